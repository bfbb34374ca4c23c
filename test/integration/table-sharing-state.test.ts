import { TableSharingState } from '../../adapters/table-sharing-state';
import { describeSharingStateContract } from '../contract/sharing-state.contract';
import { testClients, uniquePrefix } from '../support/fixtures';

describeSharingStateContract(
  'Azure Table Storage (Azurite)',
  () => new TableSharingState({ clients: testClients(), tablePrefix: uniquePrefix() }),
);
