import { TableConversationStore } from '../../adapters/table-conversation-store';
import { describeConversationStoreContract } from '../contract/conversation-store.contract';
import { testStorage, uniquePrefix } from '../support/fixtures';

describeConversationStoreContract(
  'Azure Table Storage (Azurite)',
  () => new TableConversationStore({ connectionString: testStorage(), tablePrefix: uniquePrefix() }),
);
