# Seed 000, "Single-stage — build tools end up in the final image". The
# article's CMD ("python", "app.py") is written as the JSON it stands for.
FROM python:3.11-slim
WORKDIR /app
RUN apt-get update && apt-get install -y gcc build-essential
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "app.py"]
