#!/bin/sh
printf "To: bureau@garda.example\nSubject: Hi\n\nBo\000dy.\n" >"$1"
