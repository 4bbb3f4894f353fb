#!/bin/sh
# Run by the nginx image's entry point (/docker-entrypoint.d/) before nginx starts: TLS when certificates are
# mounted in deploy/nginx/certs/, plain HTTP otherwise.
set -eu
dir=/etc/nginx/dmarc
if [ -f "$dir/certs/fullchain.pem" ] && [ -f "$dir/certs/privkey.pem" ]; then
  site=https.conf
else
  site=http.conf
fi
ln -sf "$dir/$site" /etc/nginx/conf.d/dmarc-site.conf
echo "dmarc: nginx serves $site"
