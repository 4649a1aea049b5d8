import { runMain } from '@wagate/runtime';
import { hostServices } from '@wagate/service-host';
import { servicesFor, USAGE } from './targets';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${USAGE}\n`);
} else {
  runMain(async () => hostServices(servicesFor(argv)));
}
