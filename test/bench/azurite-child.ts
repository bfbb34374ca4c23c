/**
 * Azurite in its own process for the notification benchmark, on disk, as Storage is its own
 * service in Azure: the webhook's numbers then measure the webhook, not the emulator sharing its
 * event loop. Reports its connection string to the parent over IPC; stops when the parent leaves.
 */
import { startAzurite } from '../../local/azurite';

const location = process.argv[2];
startAzurite(location ? { location } : {}).then(
  (azurite) => {
    process.send?.({ connectionString: azurite.connectionString });
    process.on('disconnect', () => void azurite.stop().then(() => process.exit(0)));
  },
  (err: unknown) => {
    process.stderr.write(`azurite child failed: ${String(err)}\n`);
    process.exit(1);
  },
);
