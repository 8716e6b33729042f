// The chat page: asks /api/chat, streams the answer as it comes, keeps the conversation
// across questions and reloads. Plain module, no dependencies: the app's CSP allows only
// same-origin scripts, and the page must work offline.
import { ChatFailure, failureOf, getConversation, isWakingUp, postChat, readEvents, waitUntilAwake } from "./chat-api.js";
import { el, renderText, sourcesBlock } from "./chat-render.js";

const STORAGE_KEY = "docs-chat.conversation_id";

const ui = {
  transcript: document.getElementById("transcript"),
  emptyHint: document.getElementById("empty-hint"),
  status: document.getElementById("status"),
  statusText: document.getElementById("status-text"),
  form: document.getElementById("ask"),
  question: document.getElementById("question"),
  send: document.getElementById("send"),
  stop: document.getElementById("stop"),
  newConversation: document.getElementById("new-conversation"),
};

// The page's one piece of state: which conversation, and the request under way.
const session = { conversationId: storedConversation(), controller: null };

// sessionStorage can throw in a sandboxed or storage-blocked frame: then memory only.
function storedConversation() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function setConversation(id) {
  session.conversationId = id;
  try {
    if (id) sessionStorage.setItem(STORAGE_KEY, id);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // memory only
  }
}

function setBusy(controller) {
  session.controller = controller;
  const busy = controller !== null;
  ui.send.disabled = busy;
  ui.newConversation.disabled = busy;
  ui.stop.disabled = !busy;
  ui.form.setAttribute("aria-busy", String(busy));
}

function showStatus(text, { spinner = true } = {}) {
  ui.statusText.textContent = text;
  ui.status.classList.toggle("with-spinner", spinner);
  ui.status.hidden = false;
}

function hideStatus() {
  ui.status.hidden = true;
  ui.statusText.textContent = "";
}

// Follow the answer as it grows, unless the reader scrolled up to read something else.
function keepScrolled(update) {
  const t = ui.transcript;
  const atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 80;
  update();
  if (atBottom) t.scrollTop = t.scrollHeight;
}

function addUserMessage(text) {
  keepScrolled(() => {
    ui.emptyHint.hidden = true;
    const article = el("article", "message user");
    article.append(el("h2", "visually-hidden", "You asked"));
    const body = el("div", "message-body");
    renderText(body, text);
    article.append(body);
    ui.transcript.append(article);
  });
}

/** The assistant's message element, filled as the answer arrives. */
function addAnswer() {
  const article = el("article", "message assistant pending");
  article.setAttribute("aria-busy", "true");
  article.append(el("h2", "visually-hidden", "Answer"));
  const body = el("div", "message-body");
  const typing = el("p", "typing");
  typing.setAttribute("aria-label", "Writing the answer");
  typing.append(el("span"), el("span"), el("span"));
  body.append(typing);
  article.append(body);
  keepScrolled(() => {
    ui.emptyHint.hidden = true;
    ui.transcript.append(article);
  });

  let text = "";
  const settle = () => {
    article.classList.remove("pending", "waking");
    article.setAttribute("aria-busy", "false");
    if (text === "") body.replaceChildren();
  };
  const note = (className, message, detail) => {
    const box = el("p", `note ${className}`);
    box.append(el("strong", "", message));
    if (detail) box.append(" ", el("span", "", detail));
    article.append(box);
  };

  return {
    waking(on) {
      article.classList.toggle("waking", on);
    },
    append(piece) {
      text += piece;
      keepScrolled(() => {
        article.classList.remove("pending", "waking");
        renderText(body, text);
      });
    },
    done(sources) {
      keepScrolled(() => {
        settle();
        const block = sourcesBlock(sources);
        if (block) article.append(block);
      });
    },
    /** The answer stopped early: what came is kept and marked. */
    incomplete(reason, sources) {
      keepScrolled(() => {
        settle();
        article.classList.add("incomplete");
        note("incomplete-note", text ? "Incomplete answer." : "No answer.", reason);
        const block = sourcesBlock(sources);
        if (block) article.append(block);
      });
    },
    /** No answer at all: the message says why. */
    failed(failure) {
      keepScrolled(() => {
        settle();
        article.classList.add("failed");
        const limited = failure.status === 429 || failure.code === "rate_limited" || failure.code === "quota_exceeded";
        const wait = limited
          ? failure.retryAfter
            ? `You can ask again in about ${failure.retryAfter} seconds.`
            : "Wait a minute, then ask again."
          : "";
        note("error-note", failure.message, wait);
        article.setAttribute("role", "alert");
      });
    },
  };
}

/** Sends one question, waking the service first when needed, and streams its answer. */
async function ask(message) {
  const controller = new AbortController();
  const { signal } = controller;
  setBusy(controller);
  addUserMessage(message);
  const answer = addAnswer();
  let forgotConversation = false;
  try {
    for (;;) {
      let response;
      try {
        response = await postChat({ message, conversationId: session.conversationId }, signal);
      } catch (err) {
        if (signal.aborted) throw err;
        // No answer at all: the Space may be asleep, or the network down.
        await wake(answer, signal, "unreachable");
        continue;
      }
      if (response.ok && (response.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
        await streamAnswer(response, answer, signal);
        return;
      }
      if (response.ok) throw new ChatFailure("The service sent something other than an answer stream. Please try again.");
      const failure = await failureOf(response);
      if (isWakingUp(failure)) {
        await wake(answer, signal, "starting");
        continue;
      }
      if (failure.code === "not_found" && session.conversationId && !forgotConversation) {
        // The stored conversation is gone (a new database): carry on in a fresh one.
        forgotConversation = true;
        setConversation(null);
        continue;
      }
      if (failure.conversationId) setConversation(failure.conversationId);
      throw failure;
    }
  } catch (err) {
    if (signal.aborted) answer.incomplete("You stopped it.");
    else if (err instanceof ChatFailure) answer.failed(err);
    else answer.failed(new ChatFailure("Could not reach the service. Check your connection and try again."));
    if (!signal.aborted && ui.question.value.trim() === "") ui.question.value = message;
  } finally {
    hideStatus();
    setBusy(null);
  }
}

async function wake(answer, signal, firstState) {
  const say = (state) =>
    showStatus(
      state === "starting"
        ? "The service is waking up… your question will be sent as soon as it is ready."
        : "The service is waking up… no answer yet; if this lasts, check your connection.",
    );
  answer.waking(true);
  say(firstState);
  await waitUntilAwake(signal, { onPoll: say });
  answer.waking(false);
  hideStatus();
}

async function streamAnswer(response, answer, signal) {
  if (!response.body) throw new ChatFailure("The service sent an empty answer.");
  try {
    for await (const event of readEvents(response.body)) {
      switch (event.type) {
        case "metadata":
          if (typeof event.conversation_id === "string") setConversation(event.conversation_id);
          break;
        case "token":
          // A notice token says the answer was cut, for older clients; the error event that
          // follows says it here.
          if (typeof event.content === "string" && event.notice !== true) answer.append(event.content);
          break;
        case "done":
          answer.done(event.sources);
          return;
        case "error":
          answer.incomplete(typeof event.message === "string" && event.message ? event.message : "The answer was interrupted.");
          return;
        default:
        // Newer event types: ignored, as the contract's client does.
      }
    }
  } catch (err) {
    if (signal.aborted) throw err;
    answer.incomplete("The connection was lost before the answer finished.");
    return;
  }
  answer.incomplete("The answer ended unexpectedly.");
}

/** Shows the stored conversation again after a reload. */
async function restore(id) {
  const controller = new AbortController();
  const { signal } = controller;
  setBusy(controller);
  showStatus("Loading your conversation…");
  try {
    for (;;) {
      let response;
      try {
        response = await getConversation(id, signal);
      } catch {
        if (signal.aborted) return;
        await waitUntilAwake(signal, { onPoll: () => showStatus("The service is waking up… loading your conversation.") });
        continue;
      }
      if (response.ok) {
        const body = await response.json();
        for (const message of Array.isArray(body.messages) ? body.messages : []) showStored(message);
        return;
      }
      const failure = await failureOf(response);
      if (isWakingUp(failure)) {
        showStatus("The service is waking up… loading your conversation.");
        await waitUntilAwake(signal, {});
        continue;
      }
      // Gone (404) or malformed (400): start afresh.
      if (failure.status === 404 || failure.status === 400) setConversation(null);
      return;
    }
  } catch {
    // Stopped, or the service stayed away: the page still works for a new question.
  } finally {
    hideStatus();
    setBusy(null);
  }
}

function showStored(message) {
  if (typeof message?.content !== "string") return;
  if (message.role !== "assistant") {
    addUserMessage(message.content);
    return;
  }
  const view = addAnswer();
  if (message.content) view.append(message.content);
  if (message.incomplete) view.incomplete("This answer was interrupted.", message.sources);
  else view.done(message.sources);
}

function startNewConversation() {
  setConversation(null);
  ui.transcript.replaceChildren(ui.emptyHint);
  ui.emptyHint.hidden = false;
  hideStatus();
  ui.question.focus();
}

function fitTextarea() {
  ui.question.style.height = "auto";
  ui.question.style.height = `${Math.min(ui.question.scrollHeight + 2, window.innerHeight * 0.4)}px`;
}

ui.form.addEventListener("submit", (event) => {
  event.preventDefault();
  const message = ui.question.value;
  if (session.controller || message.trim() === "") {
    ui.question.focus();
    return;
  }
  ui.question.value = "";
  fitTextarea();
  void ask(message);
});

ui.question.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.ctrlKey && !event.altKey && !event.metaKey) {
    event.preventDefault();
    ui.form.requestSubmit();
  }
});
ui.question.addEventListener("input", fitTextarea);
ui.stop.addEventListener("click", () => session.controller?.abort());
ui.newConversation.addEventListener("click", startNewConversation);

setBusy(null);
if (session.conversationId) void restore(session.conversationId);
