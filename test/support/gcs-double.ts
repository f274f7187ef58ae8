import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * TEST DOUBLE of the Google Cloud Storage JSON API, only the endpoints our GcsObjectStore
 * uses (no emulator can run here). Objects live in memory. `failNext(n, status)` makes the
 * next n requests answer with an error, to test retries.
 */
export interface GcsDouble {
  url: string;
  objects: Map<string, Buffer>;
  requests: string[];
  failNext(n: number, status?: number): void;
  /** Answer matching requests (`METHOD /path`) with this status until cleared (undefined). */
  failWhen: ((request: string) => number | undefined) | undefined;
  close(): Promise<void>;
}

const readAll = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });

/** The media part of a multipart/related upload (metadata JSON first, then the bytes). */
const parseMultipartRelated = (body: Buffer, contentType: string) => {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error("no boundary");
  const parts = body.toString("latin1").split(`--${boundary}`).slice(1, -1);
  const content = (p: string) => p.slice(p.indexOf("\r\n\r\n") + 4).replace(/\r\n$/, "");
  const metadata = JSON.parse(content(parts[0]!)) as { name?: string };
  return { name: metadata.name, data: Buffer.from(content(parts[1]!), "latin1") };
};

export const startGcsDouble = async (bucket: string): Promise<GcsDouble> => {
  const objects = new Map<string, Buffer>();
  const requests: string[] = [];
  let failures = 0;
  let failStatus = 503;
  const json = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const meta = (name: string) => ({ kind: "storage#object", bucket, name, size: String(objects.get(name)?.length ?? 0), generation: "1" });

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    requests.push(`${req.method} ${url.pathname}`);
    const body = await readAll(req);
    const forced = double.failWhen?.(`${req.method} ${url.pathname}`);
    if (forced) return json(res, forced, { error: { code: forced, message: "injected failure" } });
    if (failures > 0) {
      failures--;
      return json(res, failStatus, { error: { code: failStatus, message: "injected failure" } });
    }
    const objPath = new RegExp(`^/storage/v1/b/${bucket}/o/(.+)$`).exec(url.pathname);
    const name = objPath ? decodeURIComponent(objPath[1]!) : undefined;
    if (req.method === "POST" && url.pathname === `/upload/storage/v1/b/${bucket}/o`) {
      const part = parseMultipartRelated(body, req.headers["content-type"] ?? "");
      // The client names the object in the query string, or in the metadata part.
      const n = url.searchParams.get("name") ?? part.name;
      if (!n) return json(res, 400, { error: { code: 400, message: "object name missing" } });
      // As GCS: generation 0 means "only if there is no live object" (412 otherwise).
      if (url.searchParams.get("ifGenerationMatch") === "0" && objects.has(n)) {
        return json(res, 412, { error: { code: 412, message: "At least one of the pre-conditions you specified did not hold." } });
      }
      objects.set(n, part.data);
      return json(res, 200, meta(n));
    }
    if (req.method === "GET" && url.pathname === `/storage/v1/b/${bucket}`) return json(res, 200, { kind: "storage#bucket", name: bucket });
    if (req.method === "GET" && url.pathname === `/storage/v1/b/${bucket}/o`) {
      const prefix = url.searchParams.get("prefix") ?? "";
      return json(res, 200, { kind: "storage#objects", items: [...objects.keys()].filter((k) => k.startsWith(prefix)).map(meta) });
    }
    if (name !== undefined && (req.method === "GET" || req.method === "DELETE")) {
      if (!objects.has(name)) return json(res, 404, { error: { code: 404, message: `No such object: ${bucket}/${name}` } });
      if (req.method === "DELETE") {
        objects.delete(name);
        res.writeHead(204).end();
        return;
      }
      if (url.searchParams.get("alt") === "media") {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        return res.end(objects.get(name));
      }
      return json(res, 200, meta(name));
    }
    if (req.method === "GET" && url.pathname.startsWith(`/${bucket}/`)) {
      const n = decodeURIComponent(url.pathname.slice(bucket.length + 2));
      if (!objects.has(n)) return json(res, 404, { error: { code: 404, message: "No such object" } });
      res.writeHead(200);
      return res.end(objects.get(n));
    }
    json(res, 501, { error: { code: 501, message: `double does not implement ${req.method} ${url.pathname}` } });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const double: GcsDouble = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    requests,
    failWhen: undefined,
    failNext: (n, status = 503) => {
      failures = n;
      failStatus = status;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  return double;
};
