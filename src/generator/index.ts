/** The project generator behind `fastdata init` and `fastdata new`. */
export { checkName, pascalCase, titleCase, avroNamespace } from './names.js';
export type { PlannedFile } from './planned-file.js';
export { renderTemplate, TEMPLATES_DIR } from './render.js';
export { writeFiles, existingFiles, checkWritable } from './write-files.js';
export { dependencyOn, provideFastdata, parseFastdataSource, type FastdataSource } from './fastdata-dependency.js';
export { streamFiles, outputSchemaOf } from './stream-files.js';
export { alertFiles, DEFAULT_THRESHOLD } from './alert-files.js';
export { dashboardFiles } from './dashboard-files.js';
export { projectFiles, EXAMPLE } from './project-files.js';
export { projectOutputs, pickOutput } from './project-outputs.js';
export { projectReceivers } from './project-receivers.js';
