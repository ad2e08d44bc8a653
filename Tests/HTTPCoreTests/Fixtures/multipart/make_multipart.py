#!/usr/bin/env python3
"""Writes multipart/form-data bodies shaped like real clients' (curl, Chrome, Python
requests) for MultipartFormDataTests. Each NAME.body has a NAME.json beside it with the
Content-Type header and the parts expected: name, filename, content type, body (latin-1)."""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\r\n--not-the-boundary\r\n\xff\xd9"


def write(name, content_type, body, parts):
    open(os.path.join(HERE, name + ".body"), "wb").write(body)
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump({"contentType": content_type, "parts": parts}, f, indent=1)
        f.write("\n")


def part(name, body, filename=None, ctype=None):
    return {"name": name, "filename": filename, "contentType": ctype, "body": body.decode("latin-1")}


b = "------------------------d74496d66958873e"
write("curl", f"multipart/form-data; boundary={b}",
      (f"--{b}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nresnet\r\n"
       f"--{b}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"cat.jpg\"\r\n"
       f"Content-Type: image/jpeg\r\n\r\n").encode() + JPEG + f"\r\n--{b}--\r\n".encode(),
      [part("model", b"resnet"), part("image", JPEG, "cat.jpg", "image/jpeg")])

b = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
write("chrome", f"multipart/form-data; boundary={b}",
      (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.png\"\r\n"
       f"Content-Type: image/png\r\n\r\n\x89PNG\r\n--{b}\r\n"
       f"Content-Disposition: form-data; name=\"empty\"\r\n\r\n\r\n--{b}--").encode("latin-1"),
      [part("file", b"\x89PNG", "a b.png", "image/png"), part("empty", b"")])

b = "a'b(c)d+e_f,g-h.i/j:k=l?m n"
write("quoted_boundary_preamble_epilogue", f"Multipart/Form-Data; charset=utf-8; boundary=\"{b}\"",
      (f"This is the preamble (RFC 2046 §5.1.1).\r\n--{b}  \t\r\n"
       f"content-disposition: form-data; name=\"q\\\"x\"\r\n\r\nline1\r\nline2\r\n--{b}--  \r\n"
       f"epilogue, ignored\r\n").encode(),
      [part('q"x', b"line1\r\nline2")])
