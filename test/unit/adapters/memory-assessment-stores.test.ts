import { describeAssessmentStoreContract } from '../../contract/assessment-store.contract';
import { describeDraftStoreContract } from '../../contract/draft-store.contract';
import { MemoryAssessmentStore } from '../../support/memory-assessment-store';
import { MemoryDraftStore } from '../../support/memory-draft-store';

describeAssessmentStoreContract('in-memory fake', () => new MemoryAssessmentStore());
describeDraftStoreContract('in-memory fake', () => new MemoryDraftStore());
