import {useCallback, useEffect, useRef, useState} from 'react';
import {askChat, ChatError, type Source} from './chat-client';

export interface Turn {
  id: number;
  role: 'user' | 'assistant';
  text: string;
  /** The passage a selection-mode question was about. */
  selection?: string;
  sources?: Source[];
  /** waking: the backend is starting, the question will be sent again. */
  status: 'waking' | 'streaming' | 'done' | 'error';
  error?: string;
}

/** The conversation: its turns, and one question at a time, follow-ups in the same conversation. */
export function useChat(apiUrl: string): {turns: Turn[]; busy: boolean; send(message: string, selection?: string): void; reset(): void} {
  const [turns, setTurns] = useState<Turn[]>([]);
  const conversationId = useRef<string | undefined>(undefined);
  const inFlight = useRef<AbortController | null>(null);
  const nextId = useRef(0);

  const update = useCallback((id: number, change: (turn: Turn) => Partial<Turn>) => {
    setTurns((all) => all.map((turn) => (turn.id === id ? {...turn, ...change(turn)} : turn)));
  }, []);

  const send = useCallback(
    (message: string, selection?: string) => {
      const questionId = nextId.current++;
      const answerId = nextId.current++;
      setTurns((all) => [
        ...all,
        {id: questionId, role: 'user', text: message, status: 'done', ...(selection ? {selection} : {})},
        {id: answerId, role: 'assistant', text: '', status: 'streaming'},
      ]);
      const abort = new AbortController();
      inFlight.current = abort;
      askChat(
        apiUrl,
        {
          message,
          ...(selection ? {mode: 'selection' as const, context: selection} : {}),
          ...(conversationId.current ? {conversation_id: conversationId.current} : {}),
        },
        {
          onConversation: (id) => (conversationId.current = id),
          onToken: (text) => update(answerId, (turn) => ({text: turn.text + text, status: 'streaming'})),
          onWaking: () => update(answerId, () => ({status: 'waking'})),
          signal: abort.signal,
        },
      ).then(
        (sources) => update(answerId, () => ({status: 'done', sources})),
        (err: unknown) => {
          if (abort.signal.aborted) return;
          const error = err instanceof ChatError ? err.message : 'Something went wrong. Please try again.';
          update(answerId, () => ({status: 'error', error}));
        },
      ).finally(() => {
        if (inFlight.current === abort) inFlight.current = null;
      });
    },
    [apiUrl, update],
  );

  const reset = useCallback(() => {
    inFlight.current?.abort();
    conversationId.current = undefined;
    setTurns([]);
  }, []);

  useEffect(() => () => inFlight.current?.abort(), []);

  const last = turns[turns.length - 1];
  return {turns, busy: last?.status === 'streaming' || last?.status === 'waking', send, reset};
}
