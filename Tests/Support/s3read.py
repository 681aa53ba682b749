#!/usr/bin/env python3
"""Independent read-back of an S3 bucket with boto3, for the upload tests.

Prints one JSON document on stdout:
  list [--prefix P]      {"objects": [{"key", "size", "etag"}]}        (all pages)
  get KEY                {"key", "size", "etag", "md5", "base64", "lines"}
  dump [--prefix P]      {"objects": [ {as get} ... ]}

"etag" is the ETag without quotes; "md5" the hex MD5 of the bytes read; "lines" the
NDJSON lines of the gunzipped body when it is gzip, else null.
"""
import argparse
import base64
import gzip
import hashlib
import json
import sys

import boto3
from botocore.config import Config


def client(args):
    return boto3.client(
        "s3",
        endpoint_url=args.endpoint,
        aws_access_key_id=args.access_key,
        aws_secret_access_key=args.secret_key,
        region_name=args.region,
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )


def list_objects(s3, bucket, prefix):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            out.append({"key": item["Key"], "size": item["Size"], "etag": item["ETag"].strip('"')})
    return out


def get_object(s3, bucket, key):
    response = s3.get_object(Bucket=bucket, Key=key)
    body = response["Body"].read()
    lines = None
    if body[:2] == b"\x1f\x8b":
        lines = gzip.decompress(body).decode("utf-8").splitlines()
    return {
        "key": key,
        "size": len(body),
        "etag": response["ETag"].strip('"'),
        "md5": hashlib.md5(body).hexdigest(),
        "base64": base64.b64encode(body).decode("ascii"),
        "lines": lines,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--access-key", required=True)
    parser.add_argument("--secret-key", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--bucket", required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("list", "dump"):
        sub = commands.add_parser(name)
        sub.add_argument("--prefix", default="")
    commands.add_parser("get").add_argument("key")
    args = parser.parse_args()

    s3 = client(args)
    if args.command == "list":
        result = {"objects": list_objects(s3, args.bucket, args.prefix)}
    elif args.command == "get":
        result = get_object(s3, args.bucket, args.key)
    else:
        keys = [o["key"] for o in list_objects(s3, args.bucket, args.prefix)]
        result = {"objects": [get_object(s3, args.bucket, key) for key in keys]}
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
