import { FieldCipher } from '../../adapters/field-cipher';
import { TableSignalLedger } from '../../adapters/table-signal-ledger';
import { describeSignalLedgerContract } from '../contract/signal-ledger.contract';
import { fieldKey, testClients, uniquePrefix } from '../support/fixtures';

describeSignalLedgerContract(
  'Azure Table Storage (Azurite)',
  () =>
    new TableSignalLedger({
      clients: testClients(),
      tablePrefix: uniquePrefix(),
      cipher: new FieldCipher(fieldKey()),
    }),
);

describe('indicators at rest', () => {
  it('keeps only indicator ids and times, encrypted', async () => {
    const prefix = uniquePrefix();
    const ledger = new TableSignalLedger({
      clients: testClients(),
      tablePrefix: prefix,
      cipher: new FieldCipher(fieldKey()),
    });
    await ledger.noteIndicators('conv-secret', ['secrecy', 'flattery'], new Date(), 3600_000);
    const row = await testClients()
      .table(`${prefix}signals`)
      .getEntity<{ runs: string }>('indicators', 'conv-secret');
    expect(row.runs).not.toContain('secrecy');
    expect(
      Object.keys(row).filter(
        (k) => !['partitionKey', 'rowKey', 'etag', 'timestamp', 'runs', 'odata.metadata'].includes(k),
      ),
    ).toEqual([]);
  });
});
