/** `pier completion bash`: command and flag completion, task ids and service names from the server. */
import { UsageError } from '../args.js';

export const COMMAND_FLAGS: Readonly<Record<string, string>> = {
  up: '--data-dir --port --host --region --runtime --no-agent --allow-reset',
  run: '--name --cpu --memory --env --port --count --spot --exec --cluster --subnets --security-groups --public-ip --detach --json --data-dir',
  deploy: '--file --service --count --lb-port --exec --cluster --subnets --security-groups --public-ip --detach --json --data-dir',
  ps: '--all --service --cluster --json --data-dir',
  services: '--cluster --json --data-dir',
  logs: '--follow --since --container --cluster --json --data-dir',
  stop: '--reason --detach --cluster --json --data-dir',
  scale: '--detach --cluster --json --data-dir',
  exec: '--container --tty --no-tty --cluster --data-dir',
  costs: '--by --since --until --json --data-dir',
  image: 'push --name --json --data-dir',
  sample: 'deploy build delete --out --data-dir',
  env: '--data-dir', reset: '--data-dir', spot: 'interrupt', agent: '--server --data-dir --token', completion: 'bash',
};

export function completion(argv: string[]): void {
  if (argv[0] !== 'bash') throw new UsageError('pier completion takes a shell: bash (add `source <(pier completion bash)` to ~/.bashrc)');
  const cases = Object.entries(COMMAND_FLAGS).map(([c, f]) => `    ${c}) words="${f}" ;;`).join('\n');
  process.stdout.write(`# bash completion for pier
_pier() {
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd=\${COMP_WORDS[1]} words
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${Object.keys(COMMAND_FLAGS).join(' ')} help" -- "$cur")); return
  fi
  case "$cmd" in
${cases}
  esac
  if [[ "$cur" != -* ]]; then
    case "$cmd" in
      logs|stop|exec) words="$words $(pier ps --json 2>/dev/null | sed -n 's/.*"taskArn": ".*\\/\\([0-9a-f]*\\)".*/\\1/p')" ;;
      scale) words="$words $(pier services --json 2>/dev/null | sed -n 's/^      "serviceName": "\\(.*\\)".*/\\1/p')" ;;
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _pier pier
`);
}
