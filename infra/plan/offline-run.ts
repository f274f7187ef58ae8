import * as pulumi from "@pulumi/pulumi";
import { loadLikeTheCli, type EngineConfig } from "./pulumi-loader";

/** One resource the program registered, as the engine would have seen it. */
export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  parent: string;
  dependsOn: string[];
  provider: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  /**
   * The `deletedWith` option as the program sent it, when set. The engine gives it to every child
   * that sets none (pulumi/pulumi@v3.247.0:pkg/resource/deploy/source_eval.go, inheritFromParent).
   */
  deletedWith?: string;
}

export interface OfflineRun {
  resources: PlannedResource[];
  outputs: Record<string, unknown>;
  /** The exports the engine would store encrypted (`pulumi stack output` shows them with --show-secrets only). */
  secretOutputs: string[];
  /** Wall time of the program run under mocks. */
  milliseconds: number;
}

const PROJECT = "gcp-compute-platform";

/**
 * The stack's config as the engine passes it to the program, after the same checks the Pulumi
 * CLI makes (project file, stack file, policy-pack config): a file the CLI refuses is refused
 * here with the CLI's message.
 */
export const readStackConfig = (stack: string): EngineConfig => loadLikeTheCli(stack).config;

let addressCount = 0;

interface MockInputs {
  name?: string;
  accountId?: string;
  controlPlaneEndpointsConfig?: { dnsEndpointConfig?: Record<string, unknown> };
}

/** The parts of the engine's gRPC messages we read (see @pulumi/pulumi/runtime/mocks.js). */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
  getProvider(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getDeletedwith(): string;
}
interface RegisterResponse {
  getUrn(): string;
}
type Register = (req: RegisterRequest, callback: (err: unknown, res?: RegisterResponse) => void) => Promise<void>;

/**
 * Values a real provider would compute, so the program's dependent outputs resolve. Only
 * this offline runner and the tests use them; `pulumi preview` talks to GCP instead.
 */
const computedState = (type: string, name: string, inputs: MockInputs): Record<string, unknown> => {
  const resourceName = inputs.name ?? name;
  switch (type) {
    case "gcp:compute/network:Network":
      return { name: resourceName, selfLink: `https://www.googleapis.com/compute/v1/projects/offline/global/networks/${resourceName}` };
    case "gcp:serviceaccount/account:Account":
      return { email: `${inputs.accountId}@offline.iam.gserviceaccount.com` };
    case "gcp:compute/address:Address":
      return { name: resourceName, address: `10.250.0.${(addressCount = (addressCount % 250) + 1)}` };
    case "random:index/randomPassword:RandomPassword":
      // A recognisable fake: tests look for it in plain text where it must not be.
      return { result: `offline-secret-${name}` };
    case "random:index/randomBytes:RandomBytes":
      return { base64: `offline-secret-${name}`, hex: `offline-secret-${name}-hex` };
    // Recognisable fakes, like the passwords: a private key must never appear in plain text.
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: `offline-secret-${name}`, privateKeyPemPkcs8: `offline-secret-${name}-pkcs8` };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: `offline-csr-${name}` };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: `offline-cert-${name}` };
    case "gcp:container/cluster:Cluster":
      return { name: resourceName, controlPlaneEndpointsConfig: { dnsEndpointConfig: { endpoint: `gke-${resourceName}.offline.gke.goog`, ...inputs.controlPlaneEndpointsConfig?.dnsEndpointConfig } } };
    default:
      return { name: resourceName };
  }
};

/**
 * Run the real Pulumi program with Pulumi's own mock runtime: no CLI, no cloud. Every
 * resource registration is recorded with its inputs, parent and dependencies.
 */
export const runOffline = async (config: EngineConfig, stack = "dev", load: () => Promise<Record<string, unknown>> = () => import("../index")): Promise<OfflineRun> => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args.type, args.name, args.inputs as MockInputs) } }),
      call: (args) => args.inputs,
    },
    PROJECT,
    stack,
    true,
  );
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);

  const resources: PlannedResource[] = [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): { registerResource: Register } };
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) =>
    register(req, (err, res) => {
      if (!err && res) {
        resources.push({
          urn: res.getUrn(),
          type: req.getType(),
          name: req.getName(),
          parent: req.getParent(),
          dependsOn: req.getDependenciesList(),
          provider: req.getProvider(),
          custom: req.getCustom(),
          inputs: pulumi.runtime.deserializeProperties(req.getObject() as never) as Record<string, unknown>,
          ...(req.getDeletedwith() ? { deletedWith: req.getDeletedwith() } : {}),
        });
      }
      callback(err, res);
    });

  const started = performance.now();
  const exports = await load();
  const outputs: Record<string, unknown> = {};
  const secretOutputs: string[] = [];
  for (const [k, v] of Object.entries(exports)) {
    if (k === "default" || k === "__esModule") continue;
    outputs[k] = await resolveDeep(v);
    if (pulumi.Output.isInstance(v) && (await pulumi.isSecret(v))) secretOutputs.push(k);
  }
  // Let registrations still in flight (children of components) finish.
  let settled = -1;
  while (settled !== resources.length) {
    settled = resources.length;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { resources, outputs, secretOutputs, milliseconds: performance.now() - started };
};

/** What `pulumi preview` shows for values only known after `up`. */
export const UNKNOWN = "<computed>";

const resolveDeep = async (v: unknown): Promise<unknown> => {
  if (pulumi.Output.isInstance(v)) {
    // In a preview some values stay unknown; their apply() callbacks would never run.
    const o = v as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
    return (await o.isKnown) ? resolveDeep(await o.promise()) : UNKNOWN;
  }
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await resolveDeep(x)])));
  }
  return v;
};
