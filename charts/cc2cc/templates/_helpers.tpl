{{/* Chart name, truncated to the 63 characters DNS labels allow. */}}
{{- define "cc2cc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: <release>-<chart>, or the release name when it already contains the chart name. */}}
{{- define "cc2cc.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "cc2cc.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every resource. */}}
{{- define "cc2cc.labels" -}}
helm.sh/chart: {{ include "cc2cc.chart" . }}
app.kubernetes.io/name: {{ include "cc2cc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cc2cc
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "cc2cc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cc2cc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Hub pods: selector labels plus the component. */}}
{{- define "cc2cc.hub.selectorLabels" -}}
{{ include "cc2cc.selectorLabels" . }}
app.kubernetes.io/component: hub
{{- end }}

{{- define "cc2cc.redis.fullname" -}}
{{- printf "%s-redis" (include "cc2cc.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cc2cc.redis.selectorLabels" -}}
{{ include "cc2cc.selectorLabels" . }}
app.kubernetes.io/component: redis
{{- end }}

{{- define "cc2cc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cc2cc.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* image reference: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "cc2cc.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "cc2cc.redis.image" -}}
{{- if .Values.redis.image.digest }}
{{- printf "%s@%s" .Values.redis.image.repository .Values.redis.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.redis.image.repository .Values.redis.image.tag }}
{{- end }}
{{- end }}

{{/* Secret holding the API keys (and the built-in Redis password/URL when the chart owns it). */}}
{{- define "cc2cc.secretName" -}}
{{- default (include "cc2cc.fullname" .) .Values.auth.existingSecret }}
{{- end }}

{{/* Whether the chart renders its own Secret: for keys, or for the built-in Redis credentials. */}}
{{- define "cc2cc.createSecret" -}}
{{- if or (not .Values.auth.existingSecret) (and .Values.redis.enabled (not .Values.redis.auth.existingSecret)) }}true{{ end }}
{{- end }}

{{/* Name of the chart's own Secret (independent of auth.existingSecret). */}}
{{- define "cc2cc.ownSecretName" -}}
{{- include "cc2cc.fullname" . }}
{{- end }}

{{/* Which Redis the hub uses: builtin, url, sentinel or none (in-process engine). */}}
{{- define "cc2cc.redisMode" -}}
{{- if .Values.redis.enabled }}builtin
{{- else if .Values.externalRedis.sentinel.enabled }}sentinel
{{- else if or .Values.externalRedis.url .Values.externalRedis.existingSecret }}url
{{- else }}none
{{- end }}
{{- end }}

{{/* terminationGracePeriodSeconds: explicit, or preStop sleep + hub drain + 5 s of slack. */}}
{{- define "cc2cc.terminationGracePeriodSeconds" -}}
{{- $min := add (int .Values.lifecycle.preStopSleepSeconds) (int .Values.hub.shutdownGraceSeconds) }}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add $min 5 }}
{{- else }}
{{- int .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* In-cluster URL of the hub Service. */}}
{{- define "cc2cc.internalUrl" -}}
{{- printf "http://%s.%s.svc:%d" (include "cc2cc.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}

{{/* URL plugins should use as CC2CC_HUB_URL, from the ingress or route when there is one. */}}
{{- define "cc2cc.externalUrl" -}}
{{- if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := (index .Values.ingress.hosts 0).host }}
{{- $tls := false }}
{{- range .Values.ingress.tls }}{{ if has $host .hosts }}{{ $tls = true }}{{ end }}{{ end }}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host }}
{{- else if and .Values.httpRoute.enabled .Values.httpRoute.hostnames }}
{{- printf "https://%s" (index .Values.httpRoute.hostnames 0) }}
{{- end }}
{{- end }}

{{/*
Cross-field checks the JSON schema cannot express clearly. Each failure says what to change.
*/}}
{{- define "cc2cc.validate" -}}
{{- $mode := include "cc2cc.redisMode" . }}
{{- if and .Values.redis.enabled (or .Values.externalRedis.url .Values.externalRedis.existingSecret .Values.externalRedis.sentinel.enabled) }}
{{- fail "cc2cc: redis.enabled=true and externalRedis are both set; use one: set redis.enabled=false to use externalRedis, or clear externalRedis" }}
{{- end }}
{{- if and .Values.externalRedis.sentinel.enabled (not .Values.externalRedis.sentinel.sentinels) }}
{{- fail "cc2cc: externalRedis.sentinel.enabled=true needs externalRedis.sentinel.sentinels (a list of host:port)" }}
{{- end }}
{{- if and .Values.externalRedis.sentinel.enabled .Values.externalRedis.url }}
{{- fail "cc2cc: externalRedis.url and externalRedis.sentinel.enabled are exclusive; Sentinel mode takes sentinels and masterName instead of a URL" }}
{{- end }}
{{- if and (eq $mode "none") (or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1)) }}
{{- fail "cc2cc: without Redis (redis.enabled=false and no externalRedis) the hub runs an in-process engine that cannot be shared: set replicaCount=1 and autoscaling.enabled=false, or enable redis / externalRedis" }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.hosts) }}
{{- fail "cc2cc: ingress.enabled=true needs at least one entry in ingress.hosts" }}
{{- end }}
{{- if and .Values.httpRoute.enabled (not .Values.httpRoute.parentRefs) }}
{{- fail "cc2cc: httpRoute.enabled=true needs httpRoute.parentRefs (the Gateway to attach to)" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail (printf "cc2cc: autoscaling.minReplicas (%d) is greater than autoscaling.maxReplicas (%d)" (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- end }}
{{- if not (kindIs "invalid" .Values.terminationGracePeriodSeconds) }}
{{- /* The hub force-exits 2 s after CC2CC_SHUTDOWN_GRACE. */}}
{{- $min := add (int .Values.lifecycle.preStopSleepSeconds) (int .Values.hub.shutdownGraceSeconds) 2 }}
{{- if lt (int .Values.terminationGracePeriodSeconds) (int $min) }}
{{- fail (printf "cc2cc: terminationGracePeriodSeconds (%d) must be at least lifecycle.preStopSleepSeconds + hub.shutdownGraceSeconds + 2 (%d), or the kubelet kills the hub before it has drained its sockets" (int .Values.terminationGracePeriodSeconds) (int $min)) }}
{{- end }}
{{- end }}
{{- if and .Values.externalRedis.url .Values.externalRedis.existingSecret (not .Values.externalRedis.sentinel.enabled) }}
{{- fail "cc2cc: set either externalRedis.url (no credentials) or externalRedis.existingSecret (a Secret holding the full URL under externalRedis.existingSecretUrlKey), not both" }}
{{- end }}
{{- $managed := list "CC2CC_HUB_HOST" "CC2CC_HUB_PORT" "CC2CC_LOG_LEVEL" "CC2CC_REDIS_PREFIX" "CC2CC_QUEUE_MAX" "CC2CC_QUEUE_TTL" "CC2CC_PRESENCE_TTL" "CC2CC_HEARTBEAT_INTERVAL" "CC2CC_INFLIGHT_WINDOW" "CC2CC_BROADCAST_INTERVAL" "CC2CC_TOPIC_EMPTY_TTL" "CC2CC_STATUS_TTL" "CC2CC_REAPER_INTERVAL" "CC2CC_PING_TIMEOUT" "CC2CC_MAX_CONTENT_BYTES" "CC2CC_FRAME_RATE" "CC2CC_SHUTDOWN_GRACE" "CC2CC_CORS_ORIGINS" "CC2CC_DASHBOARD_DIR" "CC2CC_REPLICA_NAME" "CC2CC_REDIS_SENTINELS" "CC2CC_REDIS_SENTINEL_MASTER" "CC2CC_REDIS_TLS" }}
{{- range $name, $value := .Values.hub.config }}
{{- if has $name $managed }}
{{- fail (printf "cc2cc: hub.config.%s is set by the chart from its own value (see the hub.* values and charts/cc2cc/README.md); set that value instead" $name) }}
{{- end }}
{{- if regexMatch "KEY|SECRET|PASSWORD|TOKEN|REDIS_URL" $name }}
{{- fail (printf "cc2cc: hub.config.%s would put a secret in the ConfigMap; use auth.*, redis.auth.*, externalRedis.existingSecret or hub.extraEnv with valueFrom.secretKeyRef" $name) }}
{{- end }}
{{- end }}
{{- range $i, $e := .Values.hub.extraEnv }}
{{- if and (hasKey $e "value") (regexMatch "KEY|SECRET|PASSWORD|TOKEN" (upper $e.name)) }}
{{- fail (printf "cc2cc: hub.extraEnv[%d] (%s) has a literal value; secrets must come from valueFrom.secretKeyRef, never from values" $i $e.name) }}
{{- end }}
{{- end }}
{{- if and .Values.externalRedis.tls.enabled .Values.externalRedis.url (hasPrefix "redis://" .Values.externalRedis.url) }}
{{- fail "cc2cc: externalRedis.tls.enabled=true but externalRedis.url starts with redis://; use a rediss:// URL for TLS" }}
{{- end }}
{{- if and .Values.externalRedis.url (regexMatch "^rediss?://[^/@]*:[^/@]+@" .Values.externalRedis.url) }}
{{- fail "cc2cc: externalRedis.url contains a password; values are not secret. Put the full URL in a Secret and set externalRedis.existingSecret instead" }}
{{- end }}
{{- end }}
