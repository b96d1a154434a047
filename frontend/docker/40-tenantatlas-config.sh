#!/bin/sh
# Runs at container start (nginx image: /docker-entrypoint.d/). Writes the runtime configuration
# from the environment, so one image serves any deployment:
#   TENANTATLAS_API_URL   the API's base URL, e.g. https://api.tenantatlas.example (no trailing slash needed)
set -eu
api="${TENANTATLAS_API_URL:-http://localhost:8080}"
while [ "${api%/}" != "$api" ]; do api="${api%/}"; done
case "$api" in
  http://?*|https://?*) ;;
  *) echo "tenantatlas: TENANTATLAS_API_URL must be an http(s) URL, got '$api'" >&2; exit 1 ;;
esac
case "$api" in
  *'"'*|*'\'*|*' '*|*';'*) echo "tenantatlas: TENANTATLAS_API_URL contains characters a URL does not: '$api'" >&2; exit 1 ;;
esac
printf '{"apiBaseUrl": "%s"}\n' "$api" > /usr/share/nginx/html/config.json
origin=$(printf '%s' "$api" | sed -E 's#^(https?://[^/]+).*$#\1#')
mkdir -p /etc/nginx/tenantatlas
cat > /etc/nginx/tenantatlas/csp.conf <<CONF
set \$ta_csp "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self' $origin; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
CONF
echo "tenantatlas: config.json → apiBaseUrl $api"
