// Loads config/datasets.yaml (Node-only: reads a file). REBOUND_DATASETS_FILE points elsewhere.
import { join } from 'node:path';
import { REPO_ROOT } from '../paths';
import { loadYamlFile } from '../routing/load-yaml';
import { datasetsFileSchema, type DatasetsFile } from './policy';

export function datasetsFilePath(env: NodeJS.ProcessEnv = process.env): string {
  return env.REBOUND_DATASETS_FILE ?? join(REPO_ROOT, 'config', 'datasets.yaml');
}

/** Throws ConfigFileError (file, line, path) when a dataset or its policy is invalid. */
export function loadDatasets(file = datasetsFilePath()): DatasetsFile['datasets'] {
  return loadYamlFile(file, datasetsFileSchema).datasets;
}
