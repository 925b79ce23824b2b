/** The running source of a declaration, by its kind. */
import type { SourceDeclaration } from '../declared/load-sources.js';
import type { RecordIngest } from '../record-ingest.js';
import type { DeclaredSource } from './declared-source.js';
import { FileSource } from './file-source.js';
import { HttpSource } from './http-source.js';
import { KafkaSource } from './kafka-source.js';
import { MqttSource } from './mqtt-source.js';
import type { SourceEnvironment } from './source-topic.js';

export function createDeclaredSource(declaration: SourceDeclaration, env: SourceEnvironment, ingest: RecordIngest): DeclaredSource {
  switch (declaration.kind) {
    case 'file':
      return new FileSource(declaration, env);
    case 'mqtt':
      return new MqttSource(declaration, env);
    case 'http':
      return new HttpSource(declaration, env, ingest);
    case 'kafka':
      return new KafkaSource(declaration, env);
  }
}
