/** What every generated object shares: its shape, names, labels. */
import type { Values } from './values.js';

/** A Kubernetes object from kubernetes-models (or KEDA's): validates against its schema. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  validate(): void;
  toJSON(): unknown;
}

/** Labels that select a workload's pods (never change them on a running fleet). */
export function selectorOf(values: Values, name: string): Record<string, string> {
  return { 'app.kubernetes.io/instance': values.release, 'app.kubernetes.io/name': name };
}

export function labelsOf(values: Values, name: string): Record<string, string> {
  return {
    ...selectorOf(values, name),
    'app.kubernetes.io/part-of': 'adagen',
    'app.kubernetes.io/managed-by': 'adagen-deploy',
  };
}

export function meta(
  values: Values,
  name: string,
): { name: string; namespace: string; labels: Record<string, string> } {
  return { name, namespace: values.namespace, labels: labelsOf(values, name) };
}
