{{/* Labels on every object of the release. */}}
{{- define "shop.labels" -}}
app: {{ .Release.Name }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{/* Selector labels: the pods of the Deployment, and what the Service selects. */}}
{{- define "shop.selectorLabels" -}}
app: {{ .Release.Name }}
{{- end }}
