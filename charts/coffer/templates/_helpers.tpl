{{/* Names, labels and images shared by every template. */}}

{{- define "coffer.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "coffer.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains (include "coffer.name" .) .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "coffer.name" .) | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object; "component" is vault, operator or csi. */}}
{{- define "coffer.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
app.kubernetes.io/name: coffer-{{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/component: {{ .component }}
app.kubernetes.io/part-of: coffer
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- end -}}

{{- define "coffer.selectorLabels" -}}
app.kubernetes.io/name: coffer-{{ .component }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{- define "coffer.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .image.repository (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}

{{/* The vault's Service: the token service's authority and the admin API's address. */}}
{{- define "coffer.vaultHost" -}}
{{- printf "%s-vault.%s.svc" (include "coffer.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/* The admin API's own Service (always ClusterIP; the operator alone reaches it). */}}
{{- define "coffer.vaultAdminHost" -}}
{{- printf "%s-vault-admin.%s.svc" (include "coffer.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/* The restricted securityContext of every Coffer container but the CSI node plugin. */}}
{{- define "coffer.restrictedContainer" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{- define "coffer.restrictedPod" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/*
Rules that values.schema.json cannot express; each stops the install with a message saying
what to change.
*/}}
{{- define "coffer.validate" -}}
{{- $v := .Values.vault -}}
{{- if and (gt (int $v.replicas) 1) (ne $v.storage.backend "etcd") -}}
{{- fail "vault.replicas > 1 needs vault.storage.backend: etcd (SQLite is one file on one volume)" -}}
{{- end -}}
{{- if and (eq $v.storage.backend "etcd") (empty $v.storage.etcd.endpoints) -}}
{{- fail "vault.storage.backend etcd needs vault.storage.etcd.endpoints" -}}
{{- end -}}
{{- if and (eq $v.hsm.mode "pkcs11") (empty $v.hsm.pkcs11.module) -}}
{{- fail "vault.hsm.mode pkcs11 needs vault.hsm.pkcs11.module (the module's path in the container)" -}}
{{- end -}}
{{- if and (eq $v.hsm.mode "pkcs11") (empty $v.hsm.pin.secretName) -}}
{{- fail "vault.hsm.mode pkcs11 needs vault.hsm.pin.secretName (the Secret holding the token's PIN)" -}}
{{- end -}}
{{- if and (eq $v.hsm.mode "softhsm") (eq $v.storage.backend "etcd") -}}
{{- fail "vault.storage.backend etcd needs vault.hsm.mode pkcs11: each replica's SoftHSM2 token would hold a different master key" -}}
{{- end -}}
{{- if ne (empty .Values.tls.caSecret) (empty .Values.tls.vaultSecret) -}}
{{- fail "tls.caSecret and tls.vaultSecret go together: the vault's certificate must be signed by that CA" -}}
{{- end -}}
{{- if ne (empty .Values.tls.caSecret) (empty .Values.tls.caCertificate) -}}
{{- fail "tls.caSecret needs tls.caCertificate (the CA's PEM certificate, published for clients)" -}}
{{- end -}}
{{- if ne (empty .Values.tls.adminServerSecret) (empty .Values.tls.adminClientSecret) -}}
{{- fail "tls.adminServerSecret and tls.adminClientSecret go together (both chain to the admin CA)" -}}
{{- end -}}
{{- end -}}
