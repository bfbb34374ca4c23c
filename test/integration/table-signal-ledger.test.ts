import { TableSignalLedger } from '../../adapters/table-signal-ledger';
import { describeSignalLedgerContract } from '../contract/signal-ledger.contract';
import { testClients, uniquePrefix } from '../support/fixtures';

describeSignalLedgerContract(
  'Azure Table Storage (Azurite)',
  () => new TableSignalLedger({ clients: testClients(), tablePrefix: uniquePrefix() }),
);
