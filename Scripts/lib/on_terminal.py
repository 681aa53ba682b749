#!/usr/bin/env python3
"""Runs a command on a real pseudo terminal, as a person at a shell would, and prints what
the terminal showed. With --answer PROMPT REPLY, REPLY is typed only once PROMPT has been
shown (so the transcript reads question, then answer). Exits with the command's status.

Usage: on_terminal.py [--answer PROMPT REPLY] [--timeout SECONDS] -- COMMAND [ARGS...]
"""
import argparse, os, pty, select, signal, sys, time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--answer", nargs=2, metavar=("PROMPT", "REPLY"))
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    shown = b""
    answered = args.answer is None
    deadline = time.monotonic() + args.timeout
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            sys.stdout.write("\n(on_terminal.py: timed out)\n")
            break
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                break
            if not data:
                break
            shown += data
            sys.stdout.write(data.decode("utf-8", "replace").replace("\r\n", "\n"))
            sys.stdout.flush()
        if not answered and args.answer[0].encode() in shown:
            os.write(fd, (args.answer[1] + "\n").encode())
            answered = True
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))


if __name__ == "__main__":
    main()
