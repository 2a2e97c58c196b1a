#!/bin/sh
# The hello sample's entry point: find out which task this is, then serve /hello/www with
# busybox httpd on port 8080 (GET / runs cgi-bin/index.cgi, which says so).
# Any ECS task can ask the task metadata endpoint (v4) about itself; the hostname is the fallback.
# (timeout, not wget -T: that option crashes the busybox 1.35 of Debian 12.)
arn=$(timeout 5 wget -q -O - "$ECS_CONTAINER_METADATA_URI_V4/task" 2>/dev/null | sed -n 's/.*"TaskARN": *"\([^"]*\)".*/\1/p')
TASK_ID=${arn##*/}
export TASK_ID=${TASK_ID:-$(hostname)}
echo "hello: task $TASK_ID serving http on port 8080"
exec httpd -f -v -p 8080 -h /hello/www
