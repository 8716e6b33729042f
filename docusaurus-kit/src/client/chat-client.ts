/**
 * The chat backend's wire format, seen from the browser: POST /api/chat answers Server-Sent
 * Events (`data: <JSON>` lines) or, before the stream, a JSON error body; the answer's own
 * routes stop it and take the reader's vote; GET /api/conversation/{id} reads one back.
 * Framework-free: callbacks, one error type, and codes the theme turns into words.
 */

export interface Source {
  file: string;
  heading: string;
  similarity: number;
  /** The page on the book, ending with #<anchor> when the passage has a section heading. */
  url?: string;
  /** The section's heading id on its page. */
  anchor?: string;
  /** The page's title. */
  title?: string;
}

export type Vote = 'up' | 'down';

export interface Feedback {
  vote: Vote;
  reason: string | null;
}

export interface ChatRequest {
  message: string;
  mode?: 'general' | 'selection';
  /** The selected passage, in selection mode. */
  context?: string;
  /** Continues that conversation; absent starts a new one. */
  conversation_id?: string;
}

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  sources: Source[] | null;
  created_at: string;
  incomplete?: boolean;
  error_code?: string | null;
  feedback?: Feedback | null;
}

type ChatEvent =
  | {type: 'metadata'; conversation_id: string; answer_id?: string}
  // `notice` marks the backend's own words (an answer cut short), for widgets that do not
  // read `error` events; this one shows the error event's message instead.
  | {type: 'token'; content: string; notice?: boolean}
  | {type: 'done'; sources: Source[]; stopped?: boolean}
  | {type: 'error'; code: string; message: string};

export interface ChatHandlers {
  /** The conversation this question belongs to, and the id of the answer being written. */
  onMetadata(conversationId: string, answerId: string | undefined): void;
  onToken(text: string): void;
  /** The backend is starting or its Space is asleep (503): the question is sent again after delayMs. */
  onWaking(attempt: number, delayMs: number): void;
  signal?: AbortSignal;
}

export interface AnswerEnd {
  sources: Source[];
  /** The reader stopped it; the backend stored it as stopped. */
  stopped: boolean;
}

/**
 * Codes of this client's own failures, besides the backend's error codes:
 * `cut` the stream ended or broke before its end; `unreachable` nothing answered at all;
 * `waking_timeout` the backend kept answering 503; `http_error` a status without our JSON body.
 */
export class ChatError extends Error {
  readonly code: string;
  /** The backend's own message, when it sent one. */
  readonly serverMessage: string | undefined;
  readonly status: number | undefined;
  constructor(code: string, options: {message?: string; status?: number} = {}) {
    super(options.message ?? code);
    this.name = 'ChatError';
    this.code = code;
    this.serverMessage = options.message;
    this.status = options.status;
  }
}

// A sleeping Space takes up to a minute or two to start: about three minutes of 503s in all.
const WAKING_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 15000, 15000, 15000, 15000, 15000, 15000, 15000, 15000];
// No answer at all (a refused connection, a name that does not resolve, CORS): a proxy may drop
// a request while its Space starts, so two more tries, then the reader is told.
const UNREACHABLE_DELAYS_MS = [1000, 2000];
const WAKING_CODES = new Set(['service_starting', 'shutting_down']);

/** Sends one question and streams its answer; resolves when it ends or throws ChatError. */
export async function askChat(apiUrl: string, request: ChatRequest, handlers: ChatHandlers): Promise<AnswerEnd> {
  const response = await post(apiUrl, request, handlers);
  return readStream(response, handlers);
}

/** POSTs, sending again with backoff while the backend is waking up; returns a 2xx response. */
async function post(apiUrl: string, request: ChatRequest, handlers: ChatHandlers): Promise<Response> {
  let waking = 0;
  let unreachable = 0;
  for (;;) {
    let response: Response | undefined;
    try {
      response = await fetch(`${apiUrl}/api/chat`, {
        method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify(request),
        signal: handlers.signal,
      });
    } catch (err) {
      if (handlers.signal?.aborted) throw err;
      const delayMs = UNREACHABLE_DELAYS_MS[unreachable++];
      if (delayMs === undefined) throw new ChatError('unreachable');
      await sleep(delayMs, handlers.signal);
      continue;
    }
    if (response.ok) return response;
    const error = await errorOf(response, handlers);
    if (response.status !== 503 || (error !== undefined && !WAKING_CODES.has(error.code))) {
      throw error ?? new ChatError('http_error', {status: response.status});
    }
    const delayMs = WAKING_DELAYS_MS[waking++];
    if (delayMs === undefined) throw new ChatError('waking_timeout');
    handlers.onWaking(waking, delayMs);
    await sleep(delayMs, handlers.signal);
  }
}

/**
 * The backend's JSON error body as a ChatError; undefined when the body is not ours
 * (a proxy's page, as a sleeping Space answers).
 */
async function errorOf(response: Response, handlers: ChatHandlers): Promise<ChatError | undefined> {
  const body = (await response.json().catch(() => undefined)) as {error?: {code?: unknown; message?: unknown; conversation_id?: unknown}} | undefined;
  const {code, message, conversation_id} = body?.error ?? {};
  // A question stored before the failure opened its conversation: the next one continues it.
  if (typeof conversation_id === 'string') handlers.onMetadata(conversation_id, undefined);
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  return new ChatError(code, {message, status: response.status});
}

async function readStream(response: Response, handlers: ChatHandlers): Promise<AnswerEnd> {
  if (!response.body) throw new ChatError('cut');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await reader.read();
      } catch (err) {
        // The connection broke mid-answer (the backend died, the network dropped): the
        // answer was cut, unless the reader aborted it.
        if (handlers.signal?.aborted) throw err;
        throw new ChatError('cut');
      }
      if (chunk.done) break;
      buffered += chunk.value;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        // Comment lines (": keep-alive") and blank separators carry no event.
        if (!line.startsWith('data: ')) continue;
        const event = JSON.parse(line.slice(6)) as ChatEvent;
        if (event.type === 'metadata') handlers.onMetadata(event.conversation_id, event.answer_id);
        else if (event.type === 'token' && !event.notice) handlers.onToken(event.content);
        else if (event.type === 'done') return {sources: event.sources, stopped: event.stopped === true};
        else if (event.type === 'error') throw new ChatError(event.code, {message: event.message});
      }
    }
  } finally {
    // Frees the connection when we stop reading early (an error event, an abort).
    reader.cancel().catch(() => undefined);
  }
  throw new ChatError('cut');
}

/**
 * Asks the backend to stop an answer it is writing. True when it will (its stream then ends
 * with `done` and `stopped`), false when the answer has already ended or is not known here.
 */
export async function stopAnswer(apiUrl: string, answerId: string): Promise<boolean> {
  const response = await fetch(`${apiUrl}/api/answers/${encodeURIComponent(answerId)}/stop`, {method: 'POST'});
  return response.status === 202;
}

/** Records the reader's vote on an answer (the same call again changes it); null withdraws it. */
export async function sendFeedback(apiUrl: string, answerId: string, feedback: {vote: Vote; reason?: string} | null): Promise<void> {
  const url = `${apiUrl}/api/answers/${encodeURIComponent(answerId)}/feedback`;
  const response = feedback
    ? await fetch(url, {method: 'PUT', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(feedback)})
    : await fetch(url, {method: 'DELETE'});
  if (!response.ok) {
    const error = await errorOf(response, {onMetadata: () => undefined, onToken: () => undefined, onWaking: () => undefined});
    throw error ?? new ChatError('http_error', {status: response.status});
  }
}

/** The stored conversation's messages, oldest first; null when the backend no longer has it. */
export async function fetchConversation(apiUrl: string, conversationId: string, signal?: AbortSignal): Promise<StoredMessage[] | null> {
  const response = await fetch(`${apiUrl}/api/conversation/${encodeURIComponent(conversationId)}`, {signal});
  if (response.status === 404 || response.status === 400) return null;
  if (!response.ok) throw new ChatError('http_error', {status: response.status});
  const body = (await response.json()) as {messages: StoredMessage[]};
  return body.messages;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      {once: true},
    );
  });
}
