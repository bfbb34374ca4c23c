import { describeSignalLedgerContract } from '../../contract/signal-ledger.contract';
import { MemorySignalLedger } from '../../support/memory-signal-ledger';

describeSignalLedgerContract('in-memory fake', () => new MemorySignalLedger());
