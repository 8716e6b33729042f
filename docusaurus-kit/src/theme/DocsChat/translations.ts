// Every word the chat shows, through Docusaurus' translation API: `docusaurus write-translations`
// extracts these ids into i18n/<locale>/code.json, and the theme ships its own French
// (locales/fr.json) as each locale's defaults.
import {translate} from '@docusaurus/Translate';
import type {TurnError} from 'docusaurus-theme-docs-chat/client/conversation';

export const buttonLabel = (): string =>
  translate({id: 'theme.docsChat.button.label', message: 'Ask the book', description: 'The button (floating, or in the navbar) that opens the chat'});

export const panelTitle = (): string =>
  translate({id: 'theme.docsChat.panel.title', message: 'Ask the book', description: "The chat panel's title"});

export const closeLabel = (): string =>
  translate({id: 'theme.docsChat.panel.close', message: 'Close the chat', description: "The ARIA label of the chat panel's close button"});

export const newChatLabel = (): string =>
  translate({id: 'theme.docsChat.panel.newChat', message: 'New chat', description: 'The button that starts a new conversation'});

export const recentLabel = (): string =>
  translate({id: 'theme.docsChat.panel.recent', message: 'Recent chats', description: "The button that lists the reader's recent conversations"});

export const recentEmpty = (): string =>
  translate({id: 'theme.docsChat.panel.recentEmpty', message: 'No earlier chats in this browser.', description: 'Shown when the reader has no recent conversation'});

export const emptyHint = (): string =>
  translate({
    id: 'theme.docsChat.panel.hint',
    message: 'Ask a question about this book, or select text on a page and choose “Ask about this”.',
    description: 'Shown in an empty chat',
  });

export const suggestionsHeading = (): string =>
  translate({id: 'theme.docsChat.panel.suggestions', message: 'Try asking', description: 'The heading above the suggested questions'});

export const loadingConversation = (): string =>
  translate({id: 'theme.docsChat.panel.loading', message: 'Loading your conversation…', description: 'Shown while a stored conversation is read back'});

export const loadFailed = (): string =>
  translate({id: 'theme.docsChat.panel.loadFailed', message: 'Your conversation could not be loaded.', description: 'A stored conversation could not be read back'});

export const retryLabel = (): string =>
  translate({id: 'theme.docsChat.panel.retry', message: 'Try again', description: 'Reads a stored conversation again'});

export const inputLabel = (): string =>
  translate({id: 'theme.docsChat.input.label', message: 'Your question', description: "The question input's label"});

export const placeholderSelection = (): string =>
  translate({id: 'theme.docsChat.input.placeholderSelection', message: 'What would you like to know about it?', description: 'The placeholder when the question is about selected text'});

export const sendLabel = (): string =>
  translate({id: 'theme.docsChat.input.send', message: 'Send', description: 'The button that sends the question'});

export const stopLabel = (): string =>
  translate({id: 'theme.docsChat.input.stop', message: 'Stop', description: 'The button that stops the answer being written'});

export const askSelectionLabel = (): string =>
  translate({id: 'theme.docsChat.selection.ask', message: 'Ask about this', description: 'The button shown under text the reader selected on a page'});

export const aboutSelection = (): string =>
  translate({id: 'theme.docsChat.selection.about', message: 'About the selection:', description: 'Before the quoted selection the question is about'});

export const dropSelectionLabel = (): string =>
  translate({id: 'theme.docsChat.selection.drop', message: 'Ask about the whole book instead', description: 'The ARIA label of the button that drops the selection'});

export const thinking = (): string =>
  translate({id: 'theme.docsChat.answer.thinking', message: 'Thinking…', description: 'Shown before the first words of an answer'});

export const wakingUp = (): string =>
  translate({
    id: 'theme.docsChat.answer.waking',
    message: 'The book’s assistant is waking up; this can take a minute…',
    description: 'Shown while the backend starts (503) and the question is sent again',
  });

export const stoppedNote = (): string =>
  translate({id: 'theme.docsChat.answer.stopped', message: 'You stopped this answer.', description: 'Under an answer the reader stopped'});

export const incompleteNote = (): string =>
  translate({id: 'theme.docsChat.answer.incomplete', message: 'This answer did not finish.', description: 'Under a stored answer that stopped early'});

export const copyAnswerLabel = (): string =>
  translate({id: 'theme.docsChat.answer.copy', message: 'Copy answer as Markdown', description: 'The ARIA label of the button that copies an answer'});

export const copiedLabel = (): string =>
  translate({id: 'theme.docsChat.answer.copied', message: 'Copied', description: 'Shown once an answer is copied'});

export const copyLabel = (): string =>
  translate({id: 'theme.docsChat.answer.copyShort', message: 'Copy', description: 'The visible text of the copy button'});

export const sourcesHeading = (): string =>
  translate({id: 'theme.docsChat.answer.sources', message: 'Sources', description: 'The heading of the pages an answer cites'});

export const helpfulLabel = (): string =>
  translate({id: 'theme.docsChat.feedback.up', message: 'Helpful', description: 'The ARIA label of the thumbs-up button'});

export const notHelpfulLabel = (): string =>
  translate({id: 'theme.docsChat.feedback.down', message: 'Not helpful', description: 'The ARIA label of the thumbs-down button'});

export const reasonLabel = (): string =>
  translate({id: 'theme.docsChat.feedback.reason', message: 'Tell us why (optional)', description: "The label of the vote's optional reason"});

export const reasonSend = (): string =>
  translate({id: 'theme.docsChat.feedback.send', message: 'Send', description: "The button that sends the vote's reason"});

export const feedbackThanks = (): string =>
  translate({id: 'theme.docsChat.feedback.thanks', message: 'Thank you for your feedback.', description: 'Shown once a vote is saved'});

export const feedbackFailed = (): string =>
  translate({id: 'theme.docsChat.feedback.failed', message: 'Your vote could not be saved.', description: 'Shown when a vote could not be saved'});

/** A failed answer in the reader's words: the widget's own failures translated, the backend's in its sentence. */
export function errorMessage(error: TurnError | undefined, apiUrl: string): string {
  switch (error?.code) {
    case 'cut':
      return translate({
        id: 'theme.docsChat.error.cut',
        message: 'The answer was cut off before it finished. Please ask again.',
        description: 'The stream broke off before its end (the backend stopped, the connection dropped)',
      });
    case 'unreachable':
      return isLocal(apiUrl)
        ? translate(
            {
              id: 'theme.docsChat.error.unreachableLocal',
              message: 'Nothing answers at {url}. Is the chat backend running? Start it (npm start) and ask again.',
              description: 'No connection to a backend on this machine (refused)',
            },
            {url: apiUrl},
          )
        : translate({
            id: 'theme.docsChat.error.unreachable',
            message: 'The book’s assistant could not be reached. Check your connection and try again.',
            description: 'No connection to the backend at all',
          });
    case 'waking_timeout':
      return translate({
        id: 'theme.docsChat.error.wakingTimeout',
        message: 'The book’s assistant did not wake up in time. Please try again in a few minutes.',
        description: 'The backend kept answering 503 for minutes',
      });
    case 'http_error':
      return translate(
        {id: 'theme.docsChat.error.http', message: 'The chat service answered with an error ({status}). Please try again later.', description: 'An HTTP error without the backend\'s own message'},
        {status: String(error.status ?? '')},
      );
    default:
      return (
        error?.message ??
        translate({id: 'theme.docsChat.error.failed', message: 'Something went wrong. Please try again.', description: 'Any other failure'})
      );
  }
}

/** A backend on the reader's own machine: its absence means it is not running, not asleep. */
function isLocal(apiUrl: string): boolean {
  try {
    const {hostname} = new URL(apiUrl);
    return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\./.test(hostname) || hostname === '0.0.0.0';
  } catch {
    return false;
  }
}
