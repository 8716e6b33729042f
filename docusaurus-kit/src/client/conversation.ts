// What the panel needs, loaded with it: the conversation's store and the wire format's types.
export {conversationStoreFor, ConversationStore, type ConversationState, type Turn, type TurnError, type TurnStatus} from './conversation-store';
export type {Feedback, Source, StoredMessage, Vote} from './chat-client';
export type {RecentConversation} from './recent-conversations';
