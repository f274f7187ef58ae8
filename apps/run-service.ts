/** One service per process, as in a pod: `tsx apps/run-service.ts <service>` (or SERVICE=...). */
import { SERVICE_NAMES, type ServiceName } from "./shared/contract";
import { runUntilSignalled } from "./host";

const name = process.argv[2] ?? process.env.SERVICE;
if (!name || !SERVICE_NAMES.includes(name as ServiceName)) {
  console.error(`usage: run-service <${SERVICE_NAMES.join("|")}> (got ${JSON.stringify(name)})`);
  process.exit(2);
}
void runUntilSignalled([name as ServiceName]);
