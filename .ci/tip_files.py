"""Files made the way phones, cameras and PDF writers make them, each carrying canaries where metadata hides, sent
as a citizen's attachments to a real server (behind nginx in CI); after the release, none of the canaries may be in
the data folder (the rebuilt files, the database and its log) or the logs, and every file must have been taken.

  - a progressive JPEG with Exif (artist, camera serial, owner, GPS, time taken) and a second image after it
  - a PNG with a private chunk, a C2PA-style caBX chunk and a text chunk
  - an MP4 with a title, creation times and a subtitle track of GPS positions (as dash cams write)
  - a PDF with Author, Creator, Producer, Title, dates, XMP and a photo with GPS inside

usage: tip_files.py URL PATH...   (CANARY_RELEASE: the shell command that writes what waits)
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
import uuid
import zlib

BASE, PATHS = sys.argv[1], sys.argv[2:]
TOKEN = "CANARYFILE" + uuid.uuid4().hex[:10]
work = tempfile.mkdtemp(prefix="thidua-files-")


def run(*args):
    subprocess.run(args, cwd=work, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def path(name):
    return os.path.join(work, name)


# A phone's JPEG: progressive, its Exif full of who and where, a second (preview) image after the first.
run("convert", "-size", "320x240", "gradient:red-blue", "-interlace", "JPEG", "-quality", "85", "first.jpg")
run("exiftool", "-q", "-overwrite_original", f"-Artist={TOKEN}-artist", f"-SerialNumber={TOKEN}-serial",
    f"-OwnerName={TOKEN}-owner", "-GPSLatitude=21.0333", "-GPSLatitudeRef=N", "-GPSLongitude=106.7667",
    "-GPSLongitudeRef=E", "-DateTimeOriginal=2025:03:04 05:06:07", f"-XMP-dc:Creator={TOKEN}-xmp", "first.jpg")
run("convert", "-size", "160x120", "xc:green", "second.jpg")
run("exiftool", "-q", "-overwrite_original", f"-Artist={TOKEN}-second", "-GPSLatitude=21.0333", "-GPSLatitudeRef=N", "second.jpg")
phone = open(path("first.jpg"), "rb").read() + open(path("second.jpg"), "rb").read()


# A PNG with chunks no viewer shows.
def chunk(kind, data):
    return len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")


run("convert", "-size", "64x48", "xc:red", "plain.png")
png = open(path("plain.png"), "rb").read()
end = png.rindex(b"IEND") - 4
png = png[:end] + chunk(b"prVt", f"{TOKEN}-private".encode()) + chunk(b"caBX", f"{TOKEN}-c2pa".encode()) \
    + chunk(b"tEXt", b"Comment\x00" + f"{TOKEN}-text".encode()) + png[end:]

# A dash cam's MP4: a title, creation times, a subtitle track with the positions.
with open(path("gps.srt"), "w") as f:
    f.write(f"1\n00:00:00,000 --> 00:00:01,000\n{TOKEN}-gps 21.0333N 106.7667E\n")
run("ffmpeg", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc=duration=1:size=160x120:rate=10", "-f", "lavfi", "-i",
    "sine=duration=1", "-i", "gps.srt", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-c:s", "mov_text", "-metadata", f"title={TOKEN}-title", "-metadata", "creation_time=2025-03-04T05:06:07Z",
    "-metadata:s:v", f"handler_name={TOKEN}-handler", "cam.mp4")
mp4 = open(path("cam.mp4"), "rb").read()


# A PDF as a writer makes it: its information, its XMP, a photo (with its GPS) inside.
def pdf(photo, width, height):
    xmp = (f'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
           f'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
           f'<dc:creator>{TOKEN}-pdfxmp</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode()
    content = f"q {width} 0 0 {height} 0 0 cm /Im0 Do Q".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 6 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {width} {height}] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>".encode(),
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length {len(photo)} >>\nstream\n".encode() + photo + b"\nendstream",
        f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream",
        f"<< /Type /Metadata /Subtype /XML /Length {len(xmp)} >>\nstream\n".encode() + xmp + b"\nendstream",
        f"<< /Author ({TOKEN}-author) /Creator ({TOKEN}-creator) /Producer ({TOKEN}-producer) /Title ({TOKEN}-title) "
        f"/CreationDate (D:20250304050607+07'00') /ModDate (D:20250304050607+07'00') >>".encode(),
    ]
    out = b"%PDF-1.7\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 7 0 R /ID [<{uuid.uuid4().hex}> <{uuid.uuid4().hex}>] >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


run("convert", "-size", "320x240", "gradient:yellow-purple", "-quality", "85", "inside.jpg")
run("exiftool", "-q", "-overwrite_original", f"-Artist={TOKEN}-inside", "-GPSLatitude=21.0333", "-GPSLatitudeRef=N", "inside.jpg")
document = pdf(open(path("inside.jpg"), "rb").read(), 320, 240)
made = {"phone.jpg": phone, "chunks.png": png, "cam.mp4": mp4, "scan.pdf": document}
for name, data in made.items():
    assert TOKEN.encode() in data, f"{name} does not carry its canary"


def send(files):
    boundary = "----thidua-ci-" + uuid.uuid4().hex
    parts = b""
    fields = {"unit": "06820", "category": "other", "occurredOn": datetime.date.today().isoformat(),
              "description": "Ảnh và video chụp được ở bãi xe sau chợ"}
    for key, value in fields.items():
        parts += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
    for name in files:
        parts += f'--{boundary}\r\nContent-Disposition: form-data; name="files[]"; filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        parts += made[name] + b"\r\n"
    parts += f"--{boundary}--\r\n".encode()
    request = urllib.request.Request(BASE + "/api/v1/tips", data=parts, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        assert answer.status == 201, answer.status
        return json.load(answer)["receiptCode"]


# Three files a tip at most: two tips.
send(["phone.jpg", "chunks.png", "scan.pdf"])
send(["cam.mp4"])
if os.environ.get("CANARY_RELEASE"):
    subprocess.run(os.environ["CANARY_RELEASE"], shell=True, check=True)

found, stored = [], 0
for root in PATHS:
    files = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    for name in files:
        if os.sep + "tip-files" + os.sep in name:
            stored += 1
        try:
            data = open(name, "rb").read()
        except OSError:
            continue
        if TOKEN.encode() in data:
            where = data.index(TOKEN.encode())
            found.append(f"{data[where:where + 24].decode(errors='replace')} in {name}")
if found:
    print("what the files said survived:\n" + "\n".join(found))
    sys.exit(1)
if stored < 4:
    print(f"only {stored} of the 4 files were stored")
    sys.exit(1)
print(f"4 files (JPEG with a second image, PNG with private chunks, MP4 with a GPS track, PDF with XMP and a photo) "
      f"taken and rebuilt: none of their canaries in {len(PATHS)} places searched")
