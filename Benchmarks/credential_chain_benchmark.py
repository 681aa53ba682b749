#!/usr/bin/env python3
"""What the team's credential chain costs a command: `cfdev-telemetry doctor --role reader`
(resolve the credentials, list the events prefix, read nothing: the bucket is empty) against moto
with IAM enforced (Tests/Support/moto_iam_server.py), with the credentials from each source:

- keys: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY of a user with the reader's policy;
- profile: AWS_PROFILE naming a profile that assumes the reader's role through STS AssumeRole;
- web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (AssumeRoleWithWebIdentity);
- credential_process: a profile whose process prints the keys (a /bin/sh echo).

Each is run --repeat times (default 15); printed: median and max wall time per source, and the
median's difference from the keys' (the chain's own cost: reading ~/.aws, one STS call or one
process). Loopback STS: on AWS, add one round trip to the regional STS endpoint.

Usage: Benchmarks/credential_chain_benchmark.py [--binary PATH] [--repeat N]
The binary defaults to .build/debug/cfdev-telemetry (what `swift build` makes; a release build
is faster at everything but the network). Needs moto (pip install moto[server]) and boto3.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUCKET, PREFIX = "bench-iam", "bench/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/cfdev-telemetry"))
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="chain-bench-")
    port = free_port()
    env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT="3", MOTO_ALLOW_NONEXISTENT_REGION="true")
    server = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "Tests/Support/moto_iam_server.py"), "127.0.0.1", str(port)],
        env=env, stdout=open(os.path.join(tmp, "moto.log"), "w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        run(args, tmp, port)
    finally:
        os.killpg(server.pid, 9)
        shutil.rmtree(tmp, ignore_errors=True)


def run(args, tmp, port):
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)
    boot = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam = boto3.client("iam", **boot)
    allow_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
    iam.create_user(UserName="admin")
    key = iam.create_access_key(UserName="admin")["AccessKey"]
    iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=allow_all)
    admin = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                 aws_secret_access_key=key["SecretAccessKey"])
    boto3.client("s3", **admin).create_bucket(Bucket=BUCKET)
    iam = boto3.client("iam", **admin)
    reader_policy = subprocess.run([args.binary, "policy", "--role", "reader", "--bucket", BUCKET, "--prefix", PREFIX],
                                   check=True, capture_output=True, text=True).stdout
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                                 "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]}]})
    role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(RoleName="reader", PolicyName="reader", PolicyDocument=reader_policy)
    iam.create_user(UserName="reader-user")
    iam.put_user_policy(UserName="reader-user", PolicyName="reader", PolicyDocument=reader_policy)
    reader = iam.create_access_key(UserName="reader-user")["AccessKey"]
    iam.create_user(UserName="member")
    iam.put_user_policy(UserName="member", PolicyName="assume", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
    member = iam.create_access_key(UserName="member")["AccessKey"]

    home = os.path.join(tmp, "home")
    os.makedirs(home + "/.aws")
    with open(home + "/.aws/credentials", "w") as f:
        f.write(f"[member]\naws_access_key_id = {member['AccessKeyId']}\naws_secret_access_key = {member['SecretAccessKey']}\n")
    process_json = json.dumps({"Version": 1, "AccessKeyId": reader["AccessKeyId"], "SecretAccessKey": reader["SecretAccessKey"]})
    with open(home + "/.aws/config", "w") as f:
        f.write(f"[profile reader]\nrole_arn = {role}\nsource_profile = member\n\n"
                f"[profile process]\ncredential_process = echo '{process_json}'\n")
    token = os.path.join(tmp, "token")
    with open(token, "w") as f:
        f.write("benchmark-oidc-token")
    base = {"PATH": "/usr/bin:/bin", "HOME": home, "AWS_ENDPOINT_URL": url, "CFDEV_TELEMETRY_BUCKET": BUCKET,
            "CFDEV_TELEMETRY_PREFIX": PREFIX, "AWS_EC2_METADATA_DISABLED": "true"}
    sources = {
        "keys": {"AWS_ACCESS_KEY_ID": reader["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": reader["SecretAccessKey"]},
        "profile (AssumeRole)": {"AWS_PROFILE": "reader"},
        "web identity": {"AWS_WEB_IDENTITY_TOKEN_FILE": token, "AWS_ROLE_ARN": role},
        "credential_process": {"AWS_PROFILE": "process"},
    }
    results = {}
    for name, extra in sources.items():
        times = []
        for _ in range(args.repeat):
            start = time.monotonic()
            done = subprocess.run([args.binary, "doctor", "--role", "reader"], env={**base, **extra}, capture_output=True, text=True)
            times.append(time.monotonic() - start)
            if done.returncode != 0:
                sys.exit(f"{name}: doctor failed:\n{done.stdout}{done.stderr}")
        results[name] = times
    keys = statistics.median(results["keys"])
    print(f"binary: {args.binary}; {args.repeat} runs each; doctor --role reader against moto (IAM enforced)")
    print(f"{'source':24} {'median':>9} {'max':>9} {'vs keys':>9}")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:24} {median * 1000:7.0f}ms {max(times) * 1000:7.0f}ms {(median - keys) * 1000:+7.0f}ms")


if __name__ == "__main__":
    main()
