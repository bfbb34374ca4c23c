import { describeQuizStoreContract } from '../../contract/quiz-store.contract';
import { MemoryQuizStore } from '../../support/memory-quiz-store';

describeQuizStoreContract('in-memory fake', () => new MemoryQuizStore());
