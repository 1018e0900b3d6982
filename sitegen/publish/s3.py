"""s3://bucket/prefix: any S3-compatible store (AWS S3, Cloudflare R2, Backblaze B2, MinIO) through boto3.

The endpoint and keys come from the standard AWS_* environment variables, handed in by the command
line. Each object gets its Content-Type and Cache-Control (media.py); a PUT replaces an object whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

from ..errors import Problem, SitegenError
from ..hosting import Destination
from .manifest import path_digest
from .sync import Upload

PARALLEL = 8
"""Objects sent at once: one PUT per file, so a few at a time keep the line busy."""
TIMEOUT = 15


def connect_s3(destination: Destination, environment: Mapping[str, str]) -> "Bucket":
    """A client for the bucket, checked to exist and to let these keys in."""
    endpoint = environment.get("AWS_ENDPOINT_URL_S3") or environment.get("AWS_ENDPOINT_URL") or None
    session = boto3.session.Session(
        aws_access_key_id=environment.get("AWS_ACCESS_KEY_ID"),
        aws_secret_access_key=environment.get("AWS_SECRET_ACCESS_KEY"),
        aws_session_token=environment.get("AWS_SESSION_TOKEN"),
        region_name=environment.get("AWS_REGION") or environment.get("AWS_DEFAULT_REGION"),
        profile_name=environment.get("AWS_PROFILE"),
    )
    config = Config(
        connect_timeout=TIMEOUT, read_timeout=TIMEOUT * 4, retries={"max_attempts": 3, "mode": "standard"}, max_pool_connections=PARALLEL,
        # boto3 1.36 began sending CRC checksums with every PUT by default, which several S3-compatible
        # stores refuse (boto3 issue #4392): send them only where the API requires one.
        request_checksum_calculation="when_required", response_checksum_validation="when_required",
    )
    bucket = Bucket(session.client("s3", endpoint_url=endpoint, config=config), destination, endpoint)
    bucket.check()
    return bucket


class Bucket:
    """A prefix in an S3 bucket."""

    def __init__(self, client, destination: Destination, endpoint: str | None) -> None:
        self.client = client
        self.name = destination.host
        self.prefix = destination.path
        self.address = str(destination)
        self.endpoint = endpoint or "AWS S3"

    def _error(self, error: Exception, action: str) -> SitegenError:
        """One clear problem for what the store or the network said."""
        if isinstance(error, NoCredentialsError):
            message, hint = "no keys to sign in to the store with", "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL for a store other than AWS)"
        elif isinstance(error, EndpointConnectionError):
            message, hint = f"could not reach {self.endpoint}", "check AWS_ENDPOINT_URL, and that you are online"
        elif isinstance(error, ClientError):
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchBucket", "404") or (status == 404 and action == "open the bucket"):
                message, hint = f"there is no bucket '{self.name}' at {self.endpoint}", "check the bucket's name, and AWS_ENDPOINT_URL and AWS_REGION; make the bucket in your store's console first"
            elif code in ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"):
                message, hint = f"the store refused the keys ({code})", "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            elif code in ("AccessDenied", "403", "Forbidden") or status == 403:
                message, hint = f"the keys may not {action} in the bucket '{self.name}' (access denied)", "give these keys read and write access to the bucket"
            else:
                message, hint = f"could not {action}: {code or status} {error.response.get('Error', {}).get('Message', '')}".rstrip(), None
        else:
            message, hint = f"could not {action}: {error}", None
        return SitegenError([Problem(self.address, message=message, hint=hint)], nothing_written=False)

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.name)
        except (BotoCoreError, ClientError) as error:
            raise self._error(error, "open the bucket") from None

    def read(self, path: str) -> bytes | None:
        try:
            return self.client.get_object(Bucket=self.name, Key=self.prefix + path)["Body"].read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise self._error(error, f"read {path}") from None
        except BotoCoreError as error:
            raise self._error(error, f"read {path}") from None

    def _keys(self) -> set[str]:
        """Every path under the prefix."""
        found = set()
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=self.prefix):
                found.update(item["Key"][len(self.prefix):] for item in page.get("Contents", ()))
        except (BotoCoreError, ClientError) as error:
            raise self._error(error, "list the bucket") from None
        return found

    def existing(self, paths: Sequence[str]) -> set[str]:
        return self._keys() & set(paths)

    def find(self, digests: set[str]) -> dict[str, str]:
        return {digest: path for path in self._keys() if (digest := path_digest(path)) in digests}

    def _put(self, upload: Upload) -> Upload:
        with open(upload.source, "rb") as body:
            self.client.put_object(
                Bucket=self.name, Key=self.prefix + upload.path, Body=body,
                ContentType=upload.media.content_type, CacheControl=upload.media.cache_control,
            )
        return upload

    def upload(self, files: Sequence[Upload], done: Callable[[Upload], None]) -> None:
        with ThreadPoolExecutor(PARALLEL) as pool:
            futures = [pool.submit(self._put, upload) for upload in files]
            try:
                for future in as_completed(futures):
                    done(future.result())
            except (BotoCoreError, ClientError) as error:
                for future in futures:
                    future.cancel()
                raise self._error(error, "upload") from None

    def write(self, path: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.name, Key=self.prefix + path, Body=data, ContentType="application/json", CacheControl="no-store")
        except (BotoCoreError, ClientError) as error:
            raise self._error(error, f"write {path}") from None

    def delete(self, paths: Sequence[str]) -> None:
        try:
            for start in range(0, len(paths), 1000):  # DeleteObjects takes at most 1,000 keys
                keys = [{"Key": self.prefix + path} for path in paths[start : start + 1000]]
                answer = self.client.delete_objects(Bucket=self.name, Delete={"Objects": keys, "Quiet": True})
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise self._error(ClientError({"Error": first}, "DeleteObjects"), f"delete {first.get('Key', '')[len(self.prefix):]}")
        except (BotoCoreError, ClientError) as error:
            raise self._error(error, "delete") from None

    def close(self) -> None:
        self.client.close()
