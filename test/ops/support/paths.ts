import { join, resolve } from 'node:path';

/** Repository root (test/ops/support -> repo). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const DOCKER_DIR = join(REPO_ROOT, 'docker');
export const K8S_DIR = join(DOCKER_DIR, 'k8s');
export const DOCKERFILE = join(DOCKER_DIR, 'Dockerfile');
export const DOCKERIGNORE = join(REPO_ROOT, '.dockerignore');
export const COMPOSE_FILE = join(DOCKER_DIR, 'compose.yaml');
