#!/bin/sh
# GET /: which task answered, so that two requests through the load balancer show two tasks.
printf 'Content-Type: text/plain\r\n\r\n'
echo "hello from task $TASK_ID"
echo "served by busybox httpd in $(hostname), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
