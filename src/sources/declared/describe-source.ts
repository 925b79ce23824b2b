/** What a declared source reads, in words, and what it writes besides its topic: for the catalog and the status page. */
import type { SourceDeclaration } from './load-sources.js';

export function describeInput(source: SourceDeclaration): string {
  switch (source.kind) {
    case 'file': {
      const f = source.file!;
      const how = [f.format, f.follow ? 'followed' : undefined, f.replay ? `replay ${f.replay.speed}${f.replay.retime ? ', retimed' : ''}${f.replay.loop ? ', looped' : ''}` : undefined].filter(Boolean);
      return `${f.path}${how.length > 0 ? ` (${how.join(', ')})` : ''}`;
    }
    case 'mqtt':
      return `${source.mqtt!.url} ${source.mqtt!.topics.join(' ')}`;
    case 'http':
      return `POST /api/ingest/${source.topic}`;
    case 'kafka':
      return source.kafka!.format === 'json' ? `JSON records of ${source.kafka!.from}` : `Avro records written to ${source.topic} by producers outside fastdata`;
  }
}

/** Whether the source reads records itself, and so dead-letters the bad ones (http answers 400; an avro kafka topic is only declared). */
export function writesDeadLetters(source: SourceDeclaration): boolean {
  return !(source.kind === 'http' || (source.kind === 'kafka' && source.kafka?.format === 'avro'));
}
