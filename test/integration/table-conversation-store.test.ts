import { TableConversationStore } from '../../adapters/table-conversation-store';
import { describeConversationStoreContract } from '../contract/conversation-store.contract';
import { testClients, uniquePrefix } from '../support/fixtures';

describeConversationStoreContract(
  'Azure Table Storage (Azurite)',
  () => new TableConversationStore({ clients: testClients(), tablePrefix: uniquePrefix() }),
);
