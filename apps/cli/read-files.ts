import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { CliError, EXIT } from "./exit-codes";

export interface ManifestFile {
  name: string;
  text: string;
}

const MANIFEST = /\.(ya?ml|json)$/i;

/** `-f FILE|DIR|-` as kubectl reads it: a file, a directory's manifest files (not recursive), or stdin. */
export const readManifestFiles = (sources: string[], stdin: () => string = () => readFileSync(0, "utf8")): ManifestFile[] => {
  if (sources.length === 0) throw new CliError("no manifests: pass -f FILE, -f DIR or -f - (stdin)", EXIT.usage);
  const files: ManifestFile[] = [];
  for (const src of sources) {
    if (src === "-") {
      files.push({ name: "stdin", text: stdin() });
      continue;
    }
    let st;
    try {
      st = statSync(src);
    } catch {
      throw new CliError(`${src}: no such file or directory`, EXIT.usage);
    }
    if (st.isDirectory()) {
      const names = readdirSync(src).filter((n) => MANIFEST.test(n)).sort();
      if (names.length === 0) throw new CliError(`${src}: no .yaml, .yml or .json files in this directory`, EXIT.usage);
      for (const n of names) files.push({ name: n, text: readFileSync(path.join(src, n), "utf8") });
    } else {
      files.push({ name: path.basename(src), text: readFileSync(src, "utf8") });
    }
  }
  return files;
};
