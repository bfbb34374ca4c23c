import { describeConversationStoreContract } from '../../contract/conversation-store.contract';
import { MemoryConversationStore } from '../../support/memory-conversation-store';

describeConversationStoreContract('in-memory fake', () => new MemoryConversationStore());
