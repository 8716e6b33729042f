import { SHUTTING_DOWN_MESSAGE } from "../health/readiness.ts";

export type StopCode = "client_disconnected" | "reader_stalled" | "shutting_down" | "stopped_by_reader";

const STOP_MESSAGES: Record<StopCode, string> = {
  client_disconnected: "The client disconnected.",
  reader_stalled: "The client stopped reading the answer.",
  shutting_down: SHUTTING_DOWN_MESSAGE,
  stopped_by_reader: "The reader stopped the answer.",
};

/** Why an answer was stopped from our side, as its abort reason; stored with the incomplete answer. */
export class StreamStop extends Error {
  readonly code: StopCode;
  constructor(code: StopCode) {
    super(code);
    this.name = "AbortError";
    this.code = code;
  }

  /** What the reader is told. */
  get readerMessage(): string {
    return STOP_MESSAGES[this.code];
  }
}
