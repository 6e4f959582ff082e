{{- define "hostops.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hostops.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hostops.labels" -}}
app.kubernetes.io/name: {{ include "hostops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "hostops.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hostops.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hostops.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hostops.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The rules hostops needs on the resources it manages: nothing more. */}}
{{- define "hostops.rules" -}}
- apiGroups: ["hostops.dev"]
  resources: ["hosts", "hostservices", "logscrapes"]
  verbs: ["get", "list", "watch", "patch", "update"]
- apiGroups: ["hostops.dev"]
  resources: ["hosts/status", "hostservices/status", "logscrapes/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["hostops.dev"]
  resources: ["hosts/finalizers", "hostservices/finalizers"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["secrets", "configmaps"]
  verbs: ["get", "list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
{{- end -}}

{{/* The leader-election Lease: one per shard, named as the operator names it (Shard.leaseName), so two
     releases of one shard share it and never act at once. */}}
{{- define "hostops.leaseName" -}}
{{- if .Values.shard -}}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$" (toString .Values.shard)) -}}
{{- fail (printf "shard: '%v' is not a shard name: a label value of up to 63 lowercase letters, digits and '-', beginning and ending with a letter or digit" .Values.shard) -}}
{{- end -}}
{{- printf "hostops-leader-%s" .Values.shard -}}
{{- else -}}
hostops-leader
{{- end -}}
{{- end -}}
