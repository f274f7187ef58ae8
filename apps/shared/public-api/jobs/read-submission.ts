import busboy from "busboy";
import type { Request } from "express";
import { AppError, badRequest } from "../../errors/app-error";

export interface SubmittedFile {
  name: string;
  text: string;
}

export interface SubmissionLimits {
  maxBytes: number;
  maxFiles: number;
}

export const YAML_TYPES = ["application/yaml", "text/yaml", "application/x-yaml"];

const tooLarge = (max: number) =>
  new AppError(`request body too large: at most ${max} bytes; split the job or raise MAX_BODY_BYTES`, { status: 413 });

const utf8 = new TextDecoder("utf-8", { fatal: true });
const decode = (name: string, buf: Buffer): string => {
  try {
    return utf8.decode(buf);
  } catch {
    throw badRequest(`${name} is not valid UTF-8 text`);
  }
};

/**
 * The manifests of a POST /yaml: one multi-document YAML body, or several files as
 * multipart/form-data. Sizes are enforced while reading, so an oversized upload is cut off
 * early instead of being buffered.
 */
export const readSubmission = async (req: Request, limits: SubmissionLimits): Promise<SubmittedFile[]> => {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes);

  let files: SubmittedFile[];
  if (req.is(YAML_TYPES)) {
    files = [{ name: "body", text: decode("body", await readBody(req, limits.maxBytes)) }];
  } else if (req.is("multipart/form-data")) {
    files = await readMultipart(req, limits);
  } else {
    throw new AppError(
      `unsupported content type ${JSON.stringify(req.headers["content-type"] ?? "(none)")}: send application/yaml, text/yaml or multipart/form-data`,
      { status: 415 },
    );
  }
  if (files.every((f) => f.text.trim() === "")) {
    throw badRequest("no manifests: the body is empty; send one or more Kubernetes objects as YAML");
  }
  return files;
};

const readBody = (req: Request, max: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners("data");
        req.resume();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", (err) => reject(badRequest(`could not read the request body: ${err.message}`)));
  });

const readMultipart = (req: Request, limits: SubmissionLimits): Promise<SubmittedFile[]> =>
  new Promise((resolve, reject) => {
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: 20, parts: limits.maxFiles + 20, fieldSize: 1024 },
      });
    } catch (err) {
      reject(badRequest(`bad multipart request: ${(err as Error).message}`));
      return;
    }
    const files: { name: string; chunks: Buffer[] }[] = [];
    let total = 0;
    let failed: AppError | undefined;
    const fail = (e: AppError) => {
      failed ??= e;
    };

    bb.on("file", (_field, stream, info) => {
      const entry = { name: (info.filename || `file-${files.length + 1}`).slice(0, 200), chunks: [] as Buffer[] };
      files.push(entry);
      stream.on("data", (chunk: Buffer) => {
        total += chunk.length;
        if (total > limits.maxBytes) fail(tooLarge(limits.maxBytes));
        else entry.chunks.push(chunk);
      });
      stream.on("limit", () => fail(tooLarge(limits.maxBytes)));
      stream.on("error", (err: Error) => fail(badRequest(`bad multipart body: ${err.message}`)));
    });
    bb.on("filesLimit", () => fail(new AppError(`too many files: at most ${limits.maxFiles} per job`, { status: 413 })));
    bb.on("partsLimit", () => fail(new AppError("too many parts in the multipart body", { status: 413 })));
    // A truncated or malformed body ends here, without a "close".
    bb.on("error", (err: Error) => reject(failed ?? badRequest(`bad multipart body: ${err.message}`)));
    bb.on("close", () => {
      if (failed) return reject(failed);
      if (files.length === 0) return reject(badRequest("multipart body has no files: attach manifests as file parts"));
      try {
        resolve(files.map((f) => ({ name: f.name, text: decode(f.name, Buffer.concat(f.chunks)) })));
      } catch (err) {
        reject(err);
      }
    });
    req.on("aborted", () => fail(badRequest("request aborted")));
    req.pipe(bb);
  });
