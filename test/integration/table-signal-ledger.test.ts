import { TableSignalLedger } from '../../adapters/table-signal-ledger';
import { describeSignalLedgerContract } from '../contract/signal-ledger.contract';
import { testStorage, uniquePrefix } from '../support/fixtures';

describeSignalLedgerContract(
  'Azure Table Storage (Azurite)',
  () => new TableSignalLedger({ connectionString: testStorage(), tablePrefix: uniquePrefix() }),
);
