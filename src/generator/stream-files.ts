/** The files of `fastdata new stream <name>`: the module, its test and its output schema. */
import { pascalCase, titleCase } from './names.js';
import type { PlannedFile } from './planned-file.js';
import { renderTemplate } from './render.js';

export interface StreamScaffold {
  /** Module name, kebab-case (checked by the caller). */
  name: string;
  /** Output topic. */
  topic: string;
  /** Avro namespace of the output schema. */
  namespace: string;
  /** Folder of the stream modules (the config's `streams`), relative to the project root. */
  streamsDir?: string;
}

export async function streamFiles({ name, topic, namespace, streamsDir = 'streams' }: StreamScaffold): Promise<PlannedFile[]> {
  const files = await renderTemplate('stream', { name, Name: pascalCase(name), title: titleCase(name), topic, namespace });
  // The template says streams/; a project may keep its modules elsewhere (`streams` in the config).
  const folder = streamsDir.replace(/\/+$/, '');
  return files.map((f) => (f.path.startsWith('streams/') ? { ...f, path: `${folder}/${f.path.slice('streams/'.length)}` } : f));
}

/** The output schema among a stream's files, parsed: what its alert and dashboard are built on. */
export function outputSchemaOf(files: readonly PlannedFile[], name: string): object {
  const schema = files.find((f) => f.path === `schemas/${name}.avsc`);
  if (!schema) throw new Error(`the stream template has no schemas/${name}.avsc`);
  return JSON.parse(schema.content) as object;
}
