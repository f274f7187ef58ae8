/**
 * Container image references, parsed by the grammar of distribution/reference (the library
 * containerd and Docker use), written here because no maintained Node parser exists:
 * distribution/reference@v0.6.0:regexp.go (the grammar) and normalize.go (splitDockerDomain,
 * ParseNormalizedNamed: how a short name such as `busybox` becomes `docker.io/library/busybox`).
 */
export interface ImageRef {
  /** The registry host (and port), e.g. `docker.io`, `europe-docker.pkg.dev`, `localhost:5000`. */
  domain: string;
  /** The repository path inside it, e.g. `library/busybox`. */
  path: string;
  tag?: string;
  digest?: string;
}

// regexp.go: alphanumeric, separator, pathComponent, domainNameComponent, ipv6address, optionalPort, tag, digestPat.
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const REMOTE_NAME = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** reference.go: NameTotalLengthMax. */
const NAME_MAX = 255;

/** normalize.go, splitDockerDomain: where the registry ends and the repository begins. */
const splitDomain = (name: string): { domain: string; path: string } => {
  const slash = name.indexOf("/");
  let domain = "docker.io";
  let path = name;
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first === "localhost" || first === "index.docker.io" || /[.:]/.test(first) || first.toLowerCase() !== first) {
      domain = first === "index.docker.io" ? "docker.io" : first;
      path = name.slice(slash + 1);
    }
  }
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  return { domain, path };
};

/** Parse a reference as the container runtime would pull it; undefined when it is not one. */
export const parseImageRef = (ref: string): ImageRef | undefined => {
  if (ref.length === 0 || ref.length > 4096 || /^[a-f0-9]{64}$/.test(ref)) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  // A tag follows the last ':' after the last '/' (a ':' before it is a registry port).
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  const { domain, path } = splitDomain(rest);
  if (!DOMAIN.test(domain) || !REMOTE_NAME.test(path) || `${domain}/${path}`.length > NAME_MAX) return undefined;
  return { domain, path, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
};

/**
 * An allow-list entry: a registry host, optionally with a repository path under it
 * (`europe-docker.pkg.dev/my-project`, `docker.io/library`, or a short name such as `nginx`,
 * read as `docker.io/library/nginx`). A trailing `/` is ignored.
 */
export const parseRegistryEntry = (entry: string): { domain: string; path: string } | undefined => {
  const trimmed = entry.trim().replace(/\/+$/, "");
  if (!trimmed) return undefined;
  const slash = trimmed.indexOf("/");
  const first = slash >= 0 ? trimmed.slice(0, slash) : trimmed;
  const isHost = first === "localhost" || /[.:]/.test(first) || first.toLowerCase() !== first;
  // A host, alone (`gcr.io`: the whole registry) or with a path (`docker.io/library`: that path).
  if (isHost) {
    const domain = first === "index.docker.io" ? "docker.io" : first;
    const path = slash >= 0 ? trimmed.slice(slash + 1) : "";
    return DOMAIN.test(domain) && (path === "" || REMOTE_NAME.test(path)) ? { domain: domain.toLowerCase(), path } : undefined;
  }
  // A short name, as an image would be read: `nginx` is docker.io/library/nginx.
  const { domain, path } = splitDomain(trimmed);
  return REMOTE_NAME.test(path) ? { domain, path } : undefined;
};

/** Whether the image comes from the entry's registry (host compared exactly) and under its path (at a `/` boundary). */
export const imageAllowedBy = (image: ImageRef, entry: { domain: string; path: string }): boolean =>
  image.domain.toLowerCase() === entry.domain && (entry.path === "" || image.path === entry.path || image.path.startsWith(`${entry.path}/`));
