// What a book's own components may use: the hook that opens the chat or asks it a question.
export {useDocsChat, type DocsChatApi} from './use-docs-chat';
export {chatShell, type PendingQuestion, type ShellState} from './chat-shell';
