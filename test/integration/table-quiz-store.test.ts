import { FieldCipher } from '../../adapters/field-cipher';
import { TableQuizStore } from '../../adapters/table-quiz-store';
import { contractRun, describeQuizStoreContract } from '../contract/quiz-store.contract';
import { fieldKey, testClients, uniquePrefix } from '../support/fixtures';

function store(prefix = uniquePrefix()) {
  return new TableQuizStore({
    clients: testClients(),
    tablePrefix: prefix,
    cipher: new FieldCipher(fieldKey()),
  });
}

describeQuizStoreContract('Azure Table Storage (Azurite)', () => store());

it('keeps the names of a class list encrypted, and its filter columns plain', async () => {
  const prefix = uniquePrefix();
  const run = contractRun({
    roster: [{ id: '66666666-6666-4666-8666-666666666661', name: 'Zebedee Quartermain' }],
  });
  await store(prefix).saveRun(run);
  const rows = [];
  for await (const row of testClients().table(`${prefix}quizruns`).listEntities()) rows.push(row);
  expect(rows).toHaveLength(1);
  expect(JSON.stringify(rows)).not.toContain('Zebedee');
  expect(rows[0]).toMatchObject({ classId: run.classId, quizId: run.quizId });
});
