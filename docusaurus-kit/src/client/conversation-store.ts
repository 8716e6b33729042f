/**
 * The conversation the panel shows: its turns, the answer being written, stopping it, the
 * reader's votes, and restoring it from the backend after a reload. One store per backend URL
 * and page load (module level, loaded with the panel), so an answer keeps arriving while the
 * reader moves between pages and the panel is mounted again.
 */
import {askChat, ChatError, fetchConversation, sendFeedback, stopAnswer, type Feedback, type Source, type StoredMessage, type Vote} from './chat-client';
import {RecentConversations, type RecentConversation} from './recent-conversations';

/**
 * waking: the backend is starting and the question will be sent again; stopped: the reader
 * stopped it; cut: it broke off; incomplete: read back unfinished (the backend stopped mid-answer).
 */
export type TurnStatus = 'waking' | 'streaming' | 'done' | 'stopped' | 'cut' | 'error' | 'incomplete';

export interface TurnError {
  /** The backend's error code, or the client's: cut, unreachable, waking_timeout, http_error. */
  code: string;
  /** The backend's own sentence, when it sent one. */
  message?: string;
  status?: number;
}

export interface Turn {
  /** Stable across renders and reloads (the stored message id once known). */
  key: string;
  role: 'user' | 'assistant';
  text: string;
  /** The passage a selection-mode question was about. */
  selection?: string;
  sources?: Source[];
  status: TurnStatus;
  error?: TurnError;
  /** The stored answer's id: what stop and feedback name. Absent with an older backend. */
  answerId?: string;
  feedback?: Feedback | null;
  /** The last vote could not be saved. */
  feedbackFailed?: boolean;
}

export interface ConversationState {
  conversationId: string | null;
  turns: Turn[];
  /** An answer is being written (or waits for the backend to wake). */
  busy: boolean;
  /** The reader asked to stop it; the stream has not ended yet. */
  stopping: boolean;
  /** A stored conversation is being read back. */
  loading: boolean;
  loadFailed: boolean;
  recent: RecentConversation[];
}

interface InFlight {
  abort: AbortController;
  stopRequested: boolean;
  answerKey: string;
  /** Drops the request if the stopped answer's stream has not ended by then. */
  stopTimer?: ReturnType<typeof setTimeout>;
}

// How long a stopped answer's stream gets to end by itself (with the text the backend stored)
// before the request is dropped.
const STOP_GRACE_MS = 3000;

export class ConversationStore {
  private state: ConversationState;
  private readonly listeners = new Set<() => void>();
  private readonly storage: RecentConversations;
  private inFlight: InFlight | null = null;
  private restored = false;
  private nextKey = 0;

  private readonly apiUrl: string;

  constructor(apiUrl: string) {
    this.apiUrl = apiUrl;
    this.storage = new RecentConversations(apiUrl);
    this.state = {conversationId: null, turns: [], busy: false, stopping: false, loading: false, loadFailed: false, recent: []};
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ConversationState => this.state;

  /** Once per page load: the conversation the reader had open before the reload. */
  restore(): void {
    if (this.restored) return;
    this.restored = true;
    this.set({recent: this.storage.list()});
    const current = this.storage.current();
    if (current && this.state.conversationId === null && this.state.turns.length === 0) void this.load(current);
  }

  /** Reads a stored conversation back and makes it the current one. */
  async load(conversationId: string): Promise<void> {
    this.cancelInFlight();
    this.set({conversationId, turns: [], busy: false, stopping: false, loading: true, loadFailed: false});
    this.storage.setCurrent(conversationId);
    let messages: StoredMessage[] | null;
    try {
      messages = await fetchConversation(this.apiUrl, conversationId);
    } catch {
      if (this.state.conversationId === conversationId) this.set({loading: false, loadFailed: true});
      return;
    }
    // The reader started another chat meanwhile.
    if (this.state.conversationId !== conversationId) return;
    if (messages === null) {
      this.set({conversationId: null, loading: false, recent: this.storage.forget(conversationId)});
      return;
    }
    // A question asked while it loaded (useDocsChat().ask on a fresh page) follows the stored turns.
    this.set({turns: [...messages.map(turnOf), ...this.state.turns], loading: false});
  }

  newChat(): void {
    this.cancelInFlight();
    this.storage.setCurrent(null);
    this.set({conversationId: null, turns: [], busy: false, stopping: false, loading: false, loadFailed: false});
  }

  ask(message: string, selection?: string): void {
    if (this.state.busy) return;
    const questionKey = this.key();
    const answerKey = this.key();
    this.set({
      busy: true,
      stopping: false,
      loadFailed: false,
      turns: [
        ...this.state.turns,
        {key: questionKey, role: 'user', text: message, status: 'done', ...(selection ? {selection} : {})},
        {key: answerKey, role: 'assistant', text: '', status: 'streaming'},
      ],
    });
    const flight: InFlight = {abort: new AbortController(), stopRequested: false, answerKey};
    this.inFlight = flight;
    const firstQuestion = this.state.turns.find((t) => t.role === 'user')?.text ?? message;
    const conversationId = this.state.conversationId;
    askChat(
      this.apiUrl,
      {
        message,
        ...(selection ? {mode: 'selection' as const, context: selection} : {}),
        ...(conversationId ? {conversation_id: conversationId} : {}),
      },
      {
        onMetadata: (id, answerId) => {
          if (this.inFlight !== flight) return;
          this.set({conversationId: id, recent: this.storage.touch(id, firstQuestion)});
          if (answerId) this.update(answerKey, () => ({answerId}));
        },
        onToken: (text) => this.update(answerKey, (turn) => ({text: turn.text + text, status: 'streaming'})),
        onWaking: () => this.update(answerKey, () => ({status: 'waking'})),
        signal: flight.abort.signal,
      },
    )
      .then(
        ({sources, stopped}) => this.update(answerKey, () => ({status: stopped ? 'stopped' : 'done', sources})),
        (err: unknown) => {
          if (flight.stopRequested) return this.update(answerKey, () => ({status: 'stopped'}));
          if (flight.abort.signal.aborted) return;
          const error: TurnError = err instanceof ChatError ? {code: err.code, ...(err.serverMessage ? {message: err.serverMessage} : {}), ...(err.status ? {status: err.status} : {})} : {code: 'failed'};
          this.update(answerKey, () => ({status: error.code === 'cut' ? 'cut' : 'error', error}));
        },
      )
      .finally(() => {
        clearTimeout(flight.stopTimer);
        if (this.inFlight !== flight) return;
        this.inFlight = null;
        this.set({busy: false, stopping: false});
      });
  }

  /**
   * Stops the answer being written: the backend ends its stream with what it has and stores it
   * as stopped. Without an answer id yet (or an older backend), the request is dropped at once.
   */
  stop(): void {
    const flight = this.inFlight;
    if (!flight || flight.stopRequested) return;
    flight.stopRequested = true;
    this.set({stopping: true});
    const answerId = this.state.turns.find((t) => t.key === flight.answerKey)?.answerId;
    const drop = () => flight.abort.abort();
    if (!answerId) return drop();
    stopAnswer(this.apiUrl, answerId).then(
      (stopping) => {
        // 409: it ended meanwhile; its stream's end (or its absence) is settled at once.
        if (!stopping) return drop();
        if (this.inFlight === flight) flight.stopTimer = setTimeout(drop, STOP_GRACE_MS);
      },
      drop,
    );
  }

  /** Records, changes (vote again) or withdraws (null) the reader's vote on an answer. */
  async vote(answerKey: string, vote: Vote | null, reason?: string): Promise<void> {
    const turn = this.state.turns.find((t) => t.key === answerKey);
    if (!turn?.answerId) return;
    const previous = turn.feedback ?? null;
    const next: Feedback | null = vote ? {vote, reason: reason?.trim() ? reason.trim() : null} : null;
    this.update(answerKey, () => ({feedback: next, feedbackFailed: false}));
    try {
      await sendFeedback(this.apiUrl, turn.answerId, next ? {vote: next.vote, ...(next.reason ? {reason: next.reason} : {})} : null);
    } catch {
      this.update(answerKey, () => ({feedback: previous, feedbackFailed: true}));
    }
  }

  private cancelInFlight(): void {
    this.inFlight?.abort.abort();
    this.inFlight = null;
  }

  private key(): string {
    return `local-${this.nextKey++}`;
  }

  private update(key: string, change: (turn: Turn) => Partial<Turn>): void {
    this.set({turns: this.state.turns.map((turn) => (turn.key === key ? {...turn, ...change(turn)} : turn))});
  }

  private set(change: Partial<ConversationState>): void {
    this.state = {...this.state, ...change};
    for (const listener of this.listeners) listener();
  }
}

/** A stored message as the turn it was. */
function turnOf(message: StoredMessage): Turn {
  if (message.role === 'user') return {key: message.id, role: 'user', text: message.content, status: 'done'};
  const status: TurnStatus = !message.incomplete ? 'done' : message.error_code === 'stopped_by_reader' ? 'stopped' : 'incomplete';
  return {
    key: message.id,
    role: 'assistant',
    text: message.content,
    status,
    answerId: message.id,
    feedback: message.feedback ?? null,
    ...(message.sources ? {sources: message.sources} : {}),
  };
}

const stores = new Map<string, ConversationStore>();

/** The page's one store for this backend. */
export function conversationStoreFor(apiUrl: string): ConversationStore {
  let store = stores.get(apiUrl);
  if (!store) {
    store = new ConversationStore(apiUrl);
    stores.set(apiUrl, store);
  }
  return store;
}
