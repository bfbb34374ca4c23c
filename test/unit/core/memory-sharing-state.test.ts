import { describeSharingStateContract } from '../../contract/sharing-state.contract';
import { MemorySharingState } from '../../support/memory-sharing-state';

describeSharingStateContract('in-memory fake', () => new MemorySharingState());
