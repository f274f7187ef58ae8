import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/**
 * How long the program's certificates live. A stack is meant to be short-lived (`up`, work,
 * `destroy`), but one that is kept gets new leaf certificates from any `pulumi up` in their
 * last 30 days (`earlyRenewalHours`: the tls provider then plans a replacement,
 * https://www.pulumi.com/registry/packages/tls/api-docs/locallysignedcert/), and the pods
 * that read them roll, because their templates carry the certificate's checksum.
 */
export const CERT_LIFETIME = { caHours: 5 * 365 * 24, leafHours: 365 * 24, renewBeforeHours: 30 * 24 } as const;

export interface MutualTlsArgs {
  /** The address clients dial: the server certificate names it (an IP SAN), and clients verify it. */
  serverIp: pulumi.Input<string>;
  /** The server's common name (for humans reading the certificate). */
  serverName: string;
  /** The one client identity this authority issues: its common name, which servers that can check names allow. */
  clientName: string;
}

export interface IssuedCert {
  certPem: pulumi.Output<string>;
  /** PKCS#8 PEM (Logstash's http input reads keys only in that form; Fluent Bit and Go read it too). Secret in state. */
  keyPem: pulumi.Output<string>;
}

/**
 * One trust domain for one hub endpoint written by other clusters: its own certificate authority,
 * the server's certificate (for the endpoint's reserved IP) and one client certificate. A
 * separate authority per endpoint keeps each client to its endpoint: a Fluent Bit certificate
 * is worthless at the remote-write endpoint and the other way round, without relying on a
 * server that can check names. Everything is created by the program (the tls provider); the
 * keys are secrets in Pulumi's state and in the Kubernetes Secrets made from them.
 */
export class MutualTls extends pulumi.ComponentResource {
  readonly caCertPem: pulumi.Output<string>;
  readonly server: IssuedCert;
  readonly client: IssuedCert;

  constructor(name: string, args: MutualTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:services:MutualTls", name, {}, opts);
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(args.clientName) || !/^[a-z0-9][a-z0-9.-]*$/.test(args.serverName)) {
      throw new pulumi.ResourceError(`certificate names must be lower-case DNS-like labels: got server ${args.serverName}, client ${args.clientName}`, this);
    }
    const o = { parent: this };
    const key = (suffix: string) => new tls.PrivateKey(`${name}-${suffix}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, o);

    const caKey = key("ca");
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: caKey.privateKeyPem,
        subject: { commonName: `${name} authority`, organization: "compute platform" },
        isCaCertificate: true,
        validityPeriodHours: CERT_LIFETIME.caHours,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      o,
    );
    const issue = (suffix: string, commonName: string, use: "server_auth" | "client_auth", ipAddresses?: pulumi.Input<string>[]): IssuedCert => {
      const k = key(suffix);
      const request = new tls.CertRequest(`${name}-${suffix}-request`, { privateKeyPem: k.privateKeyPem, subject: { commonName }, ipAddresses }, o);
      const cert = new tls.LocallySignedCert(
        `${name}-${suffix}-cert`,
        {
          certRequestPem: request.certRequestPem,
          caPrivateKeyPem: caKey.privateKeyPem,
          caCertPem: ca.certPem,
          validityPeriodHours: CERT_LIFETIME.leafHours,
          earlyRenewalHours: CERT_LIFETIME.renewBeforeHours,
          allowedUses: ["digital_signature", "key_encipherment", use],
        },
        o,
      );
      return { certPem: cert.certPem, keyPem: pulumi.secret(k.privateKeyPemPkcs8) };
    };

    this.caCertPem = ca.certPem;
    this.server = issue("server", args.serverName, "server_auth", [args.serverIp]);
    this.client = issue("client", args.clientName, "client_auth");
    this.registerOutputs({ caCertPem: this.caCertPem });
  }
}

/** The keys of a TLS Secret as Kubernetes' `kubernetes.io/tls` type names them, plus the authority. */
export const TLS_KEYS = { cert: "tls.crt", key: "tls.key", ca: "ca.crt" } as const;

/**
 * A `kubernetes.io/tls` Secret holding one issued certificate, its key and the authority that
 * verifies the other side.
 */
export const tlsSecret = (name: string, metadata: { name: string; namespace: pulumi.Input<string> }, cert: IssuedCert, caCertPem: pulumi.Output<string>, opts: pulumi.CustomResourceOptions) =>
  new k8s.core.v1.Secret(
    name,
    { metadata, type: "kubernetes.io/tls", stringData: { [TLS_KEYS.cert]: cert.certPem, [TLS_KEYS.key]: cert.keyPem, [TLS_KEYS.ca]: caCertPem } },
    opts,
  );
